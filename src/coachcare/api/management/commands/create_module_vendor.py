"""manage.py create_module_vendor USERNAME --provider AGB --module CODE [--module CODE] [--name NAME]"""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coachcare.api.services import module_vendor_create
from coachcare.providers.models import Provider


class Command(BaseCommand):
    help = (
        "Create the service account of an external e-health module (role module-vendor): tied to one provider "
        "and the modules it serves; it reads only their FHIR Tasks and writes Task.status. "
        "Then give it a token with create_api_token."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--provider", required=True, help="The provider's AGB code (8 digits).")
        parser.add_argument(
            "--module", action="append", required=True, dest="modules", help="A module code; repeat for more."
        )
        parser.add_argument("--name", default="", help="The e-health module's name, shown in the access log.")

    def handle(self, *args: Any, **options: Any) -> None:
        provider = Provider.objects.filter(agb_code=options["provider"]).first()
        if provider is None:
            raise CommandError("No provider with that AGB code.")
        try:
            account = module_vendor_create(
                username=options["username"],
                provider=provider,
                module_codes=options["modules"],
                display_name=options["name"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Module-vendor account {account.user.username} for {provider.name}, modules "
            f"{', '.join(account.module_codes)}. Create its token with: manage.py create_api_token "
            f"{account.user.username}"
        )
