"""``manage.py production_statement --municipality 0344 --year 2025 --out statement.pdf [--csv statement.csv]``.

The productieverantwoording of a provider to one municipality over one year (accountantsprotocol
Jeugdwet, docs/ijw.md "Productieverantwoording"): per product the declared, accepted, refused and
not yet answered volumes and amounts, reconciled with the JW323/JW325 traces. ``--out`` ending in
``.csv`` writes the CSV instead of the PDF. Nothing is written when the figures do not reconcile
(exit 1, with every difference). Aggregates only: no client data, so no access-log entry.
"""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from coachcare.core.dates import today
from coachcare.declarations.selectors import (
    StatementMismatch,
    production_statement_for,
    production_statement_providers,
)
from coachcare.declarations.statement import production_statement_csv, production_statement_pdf
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider


class Command(BaseCommand):
    help = "Write the production statement (productieverantwoording) of one municipality and year: PDF and/or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="municipality code (4 digits)")
        parser.add_argument("--year", required=True, help="calendar year, YYYY")
        parser.add_argument("--provider", default="", help="AGB code (8 digits); needed when several providers")
        parser.add_argument("--out", required=True, type=Path, help="statement.pdf (or statement.csv)")
        parser.add_argument("--csv", type=Path, default=None, help="also write the CSV to this file")

    def handle(
        self,
        *args: object,
        municipality: str,
        year: str,
        provider: str,
        out: Path,
        csv: Path | None,
        **options: object,
    ) -> None:
        out = Path(out)
        csv = Path(csv) if csv else None
        if not re.fullmatch(r"\d{4}", year):
            raise CommandError(f"Not a year (YYYY): {year}")
        for path in [out, csv]:
            if path is not None and not Path(path).parent.is_dir():
                raise CommandError(f"The folder {Path(path).parent} does not exist; nothing was written.")
        found = Municipality.objects.filter(code=municipality).first()
        if found is None:
            raise CommandError(f"There is no municipality with code {municipality}.")
        if provider:
            chosen = Provider.objects.filter(agb_code=provider).first()
            if chosen is None:
                raise CommandError(f"There is no provider with AGB code {provider}.")
        else:
            candidates = production_statement_providers(municipality=found)
            if len(candidates) != 1:
                codes = ", ".join(item.agb_code for item in candidates) or "none"
                raise CommandError(f"Give --provider AGB: providers with a contract with {found.code}: {codes}.")
            chosen = candidates[0]
        self.stdout.write(f"1/3 adding up the declarations of {chosen.agb_code} to {found.code} in {year}")
        try:
            statement = production_statement_for(
                provider=chosen, municipality=found, year=int(year), prepared_on=today()
            )
        except StatementMismatch as exc:
            for problem in exc.problems:
                self.stderr.write(f"MISMATCH {problem}")
            raise CommandError(
                "The statement does not reconcile with the JW323/JW325 traces; nothing was written."
            ) from exc
        for check in statement.checks:
            self.stdout.write(f"  check ok: {check.label}: {check.expected}")
        self.stdout.write("2/3 rendering")
        with translation.override("nl"):
            documents: list[tuple[Path, bytes]] = []
            if out.suffix.lower() == ".csv":
                documents.append((out, production_statement_csv(statement=statement).encode("utf-8")))
            else:
                documents.append((out, production_statement_pdf(statement=statement)))
            if csv is not None:
                documents.append((csv, production_statement_csv(statement=statement).encode("utf-8")))
        self.stdout.write("3/3 writing")
        for path, data in documents:
            Path(path).write_bytes(data)
            self.stdout.write(f"  {path}")
        totals = statement.totals
        self.stdout.write(
            f"done: {len(statement.rows)} products, {len(statement.declarations)} declarations, "
            f"{totals.lines} lines; declared {totals.declared_cents / 100:.2f} EUR = accepted "
            f"{totals.accepted_cents / 100:.2f} + refused {totals.refused_cents / 100:.2f} + not answered "
            f"{totals.pending_cents / 100:.2f}; awarded {totals.awarded_cents / 100:.2f} EUR"
        )
