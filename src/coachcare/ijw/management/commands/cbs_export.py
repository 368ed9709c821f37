"""``manage.py cbs_export --provider 12345678 --period 2025-H1 --out cbs-2025-H1.csv``.

The provider's delivery to CBS Beleidsinformatie Jeugd (docs/cbs.md): one record per
jeugdhulptraject in the half year, validated all or nothing. Prints its stages and a summary; a
violation prints ``RULE record N (traject <public id>) field: message`` (never a value, so never a
BSN), exit 1, nothing written. The file holds BSNs: see docs/security.md for its handling.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.audit.services import AccessPoint
from coachcare.ijw import cbs
from coachcare.ijw.services import CbsExportInvalid, cbs_export
from coachcare.providers.models import Provider


class Command(BaseCommand):
    help = "Write the CBS Beleidsinformatie Jeugd file of one provider for a half year (YYYY-H1 or YYYY-H2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", default="", help="AGB code (8 digits); optional with one provider")
        parser.add_argument("--period", required=True, help="half year, YYYY-H1 or YYYY-H2")
        parser.add_argument("--out", required=True, type=Path, help="the file to write (CSV)")

    def handle(self, *args: object, provider: str, period: str, out: Path, **options: object) -> None:
        out = Path(out)
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist; nothing was written.")
        if provider:
            found = Provider.objects.filter(agb_code=provider).first()
            if found is None:
                raise CommandError(f"There is no provider with AGB code {provider}.")
        else:
            providers = list(Provider.objects.order_by("agb_code")[:2])
            if len(providers) != 1:
                raise CommandError("Give --provider AGB: there is not exactly one provider.")
            found = providers[0]
        try:
            result = cbs_export(
                provider=found,
                period=period,
                out=out,
                access_point=AccessPoint.system("cbs_export"),
                progress=self.stdout.write,
            )
        except cbs.CbsPeriodError as exc:
            raise CommandError(str(exc)) from exc
        except CbsExportInvalid as exc:
            for violation in exc.violations:
                self.stderr.write(str(violation))
            raise CommandError(f"{len(exc.violations)} violations; nothing was written.") from exc
        self.stdout.write(
            f"done: {result.records} records, {result.persons} persons, period {result.period} "
            f"({result.first} to {result.last}), protocol {cbs.PROTOCOL_VERSION}: {result.path}"
        )
