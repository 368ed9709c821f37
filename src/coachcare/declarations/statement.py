"""The productieverantwoording as documents: PDF (WeasyPrint, like the evidence report) and CSV.

Presentation only: the figures and the reconciliation come from
``coachcare.declarations.selectors.production_statement_for``. Dutch (the active language), amounts
``€ 1.250,00`` in the PDF; no client identifiers anywhere (aggregates per product).
"""

import csv
import dataclasses
import io

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from coachcare.declarations.selectors import ProductionStatement, StatementRow
from coachcare.method.codes import Unit

#: The print stylesheet shared with the evidence report.
PRINT_CSS = "coachcare/css/monitoring-print.css"


def unit_label(code: str) -> str:
    """The unit's name (WJ756), or its code when the code list has no name for it yet."""
    try:
        return f"{code} {Unit(code).label}"
    except ValueError:
        return code


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Row:
    product_category: str
    product_code: str
    unit_label: str
    item: StatementRow


def _rows(statement: ProductionStatement) -> list[_Row]:
    return [
        _Row(
            product_category=row.product_category,
            product_code=row.product_code,
            unit_label=unit_label(row.unit),
            item=row,
        )
        for row in statement.rows
    ]


def production_statement_html(*, statement: ProductionStatement) -> str:
    return render_to_string(
        "declarations/production_statement.html", {"statement": statement, "rows": _rows(statement)}
    )


def production_statement_pdf(*, statement: ProductionStatement) -> bytes:
    import weasyprint  # imported lazily: it loads Pango at import time

    stylesheet = finders.find(PRINT_CSS)
    stylesheets = [weasyprint.CSS(filename=str(stylesheet))] if isinstance(stylesheet, str) else []
    html = production_statement_html(statement=statement)
    pdf = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=stylesheets)
    return bytes(pdf or b"")


def _decimal(cents: int) -> str:
    """``125000`` → ``1250,00``: a Dutch decimal a spreadsheet reads as a number."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros},{rest:02d}"


def production_statement_csv(*, statement: ProductionStatement) -> str:
    """One row per product and a total row; headers in the active language (Dutch by default)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _("Product category"),
            _("Product code"),
            _("Unit"),
            _("Volume declared"),
            _("Amount declared"),
            _("Volume accepted"),
            _("Amount accepted"),
            _("Amount awarded"),
            _("Volume refused"),
            _("Amount refused"),
            _("Volume not answered yet"),
            _("Amount not answered yet"),
        ]
    )
    for label, row in [(None, row) for row in statement.rows] + [(_("Total"), statement.totals)]:
        writer.writerow(
            [
                label or row.product_category,
                row.product_code,
                unit_label(row.unit) if label is None else "",
                row.declared_volume,
                _decimal(row.declared_cents),
                row.accepted_volume,
                _decimal(row.accepted_cents),
                _decimal(row.awarded_cents),
                row.refused_volume,
                _decimal(row.refused_cents),
                row.pending_volume,
                _decimal(row.pending_cents),
            ]
        )
    return out.getvalue()
