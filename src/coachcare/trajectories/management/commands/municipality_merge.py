"""``manage.py municipality_merge --from 0001 0002 --into 0003 --on 2027-01-01``: a municipal merger
(herindeling), all or nothing (``trajectories.services.municipality_merge``, docs/legal-basis.md)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.audit.services import AccessPoint
from coachcare.trajectories.services import municipality_merge


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--on {value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = (
        "Merge municipalities (herindeling): from --on the old codes are part of --into; their residents, "
        "active trajectories, contracts and open allocations move to it. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="from_codes", nargs="+", required=True, metavar="CODE")
        parser.add_argument("--into", dest="into_code", required=True, metavar="CODE")
        parser.add_argument("--on", dest="on", required=True, metavar="YYYY-MM-DD")

    def handle(self, *args: object, from_codes: list[str], into_code: str, on: str, **options: object) -> None:
        codes = [code for value in from_codes for code in value.split(",") if code.strip()]
        try:
            result = municipality_merge(
                from_codes=codes,
                into_code=into_code,
                on=_date(on),
                access_point=AccessPoint.system("municipality_merge"),
                progress=self.stdout.write,
            )
        except ValidationError as exc:
            raise CommandError("Nothing merged:\n" + "\n".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Merged {len(codes)} municipalities into {into_code.zfill(4)} from {on}: {result.clients} clients, "
                f"{result.trajectories} active trajectories, {result.contracts_ended} contracts ended "
                f"({result.contracts_created} new), {result.allocations} open allocations moved."
            )
        )
