"""manage.py create_api_token USERNAME [--days N] [--name NAME]: prints a new token once."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coachcare.accounts.models import User
from coachcare.api.services import DEFAULT_TOKEN_DAYS, api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user. The token is shown once; only its SHA-256 is stored."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=DEFAULT_TOKEN_DAYS)
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("No such user.")
        try:
            issued = api_token_create(user=user, name=options["name"], days=options["days"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(
            f"Token {issued.token.prefix} for {user.username} ({user.role}), valid until "
            f"{issued.token.expires_at:%Y-%m-%d}. It is shown once:"
        )
        self.stdout.write(issued.raw)
