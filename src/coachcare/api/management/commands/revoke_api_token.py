"""manage.py revoke_api_token PREFIX: revokes a token at once."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coachcare.api.models import ApiToken
from coachcare.api.services import api_token_revoke


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (shown when it was created)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = api_token_revoke(prefix=options["prefix"])
        except ApiToken.DoesNotExist as error:
            raise CommandError("No token with this prefix.") from error
        self.stdout.write(f"Revoked {token.prefix} ({token.name}) of {token.user.username}.")
