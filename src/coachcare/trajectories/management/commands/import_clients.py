from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.access.refusals import refusals_as_command_errors
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.imports import ImportFailed, clients_import_csv, import_invitations_send
from coachcare.providers.models import Team
from coachcare.trajectories import services as trajectory_services


class Command(BaseCommand):
    help = (
        "Import young people with their family members, gezag and contact details from a CSV file "
        "(UTF-8, ';' or ','; columns in docs/import-clients.md). All or nothing; idempotent by BSN."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path)
        parser.add_argument(
            "--as", dest="actor", required=True, help="user name of the coach or team lead who registers them"
        )
        parser.add_argument("--team", help="team name (default: the team of --as)")
        parser.add_argument(
            "--invite",
            action="store_true",
            help="after the import, e-mail portal invitations (young people with an e-mail address; "
            "family members with gezag who use the portal and have an e-mail address)",
        )

    def handle(
        self,
        *args: object,
        csv_file: Path,
        actor: str,
        team: str | None = None,
        invite: bool = False,
        **options: object,
    ) -> None:
        user = User.objects.filter(username=actor, is_active=True).select_related("team").first()
        if user is None:
            raise CommandError(f"No active user {actor!r}.")
        chosen = None
        if team and user.provider_id is not None:
            chosen = Team.objects.filter(provider_id=user.provider_id, name=team).first()
        if team and chosen is None:
            raise CommandError(f"No team {team!r} at the provider of {actor!r}.")
        try:
            text = csv_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {csv_file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{csv_file} is not UTF-8 (byte {exc.start}): save it as UTF-8 and try again.") from exc

        def progress(line: int, last: int, action: str) -> None:
            self.stdout.write(f"line {line} of {last}: {action}")

        try:
            with refusals_as_command_errors():
                result = clients_import_csv(
                    actor=user,
                    text=text,
                    team=chosen,
                    access_point=AccessPoint.command("import_clients"),
                    open_trajectory=trajectory_services.trajectory_open_for_referrer,
                    progress=progress,
                )
        except ImportFailed as exc:
            raise CommandError(f"Nothing imported: {len(exc.errors)} error(s).\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows: {result.registered} registered, {result.already_registered} already "
                f"registered, {result.family_members_added} family members added, "
                f"{result.contact_details_added} contact details completed."
            )
        )
        if not invite:
            return
        sent = import_invitations_send(
            actor=user, client_ids=result.client_ids, access_point=AccessPoint.command("import_clients")
        )
        summary = (
            f"Invitations: {sent.young_people} young people and {sent.family_members} family members invited, "
            f"{sent.skipped} skipped (an account or an open invitation already), {sent.not_sent} not sent."
        )
        if sent.not_sent:
            self.stderr.write(summary + " The mail server refused: run the command again later to send the rest.")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
