"""The productieverantwoording (issue 18.7): per product declared = accepted + refused + pending,
reconciled with the JW323/JW325 traces, as PDF (text read with pdftotext) and CSV, and on the
declarations screen for the provider's administration only."""

import csv
import datetime
import html
import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from coachcare.accounts.models import User
from coachcare.declarations import selectors, services
from coachcare.declarations.models import Declaration, DeclarationLine
from coachcare.declarations.statement import production_statement_csv, production_statement_pdf
from tests.clients.factories import ClientFactory
from tests.declarations.conftest import PERIOD, Delivering

Login = Callable[[User], HttpClient]
ON = datetime.date(2025, 4, 15)
PREPARED = datetime.date(2026, 2, 1)
URL = reverse("declarations:production_statement")


@pytest.fixture
def answered(delivering: Delivering) -> Declaration:
    """Three modules declared in March 2025 (3 × € 1.250,00): one accepted, one refused, one not answered."""
    for client in [delivering.world.own, delivering.world.team, delivering.world.own]:
        delivering.delivered(client)
    declaration = services.declaration_run(
        municipality=delivering.world.municipality_a, period=PERIOD, on=ON
    ).declarations[0]
    services.declaration_submit(declaration=declaration)
    first, second, _third = list(DeclarationLine.objects.filter(declaration=declaration).order_by("id"))
    services.declaration_answer_apply(
        declaratienummer=declaration.declaratienummer,
        lines=[
            services.AnswerLine(reference=first.reference, retourcode="0200", awarded_cents=first.amount_cents),
            services.AnswerLine(reference=second.reference, retourcode="0611", awarded_cents=0),
        ],
    )
    return declaration


def statement(delivering: Delivering) -> selectors.ProductionStatement:
    return selectors.production_statement_for(
        provider=delivering.world.provider,
        municipality=delivering.world.municipality_a,
        year=2025,
        prepared_on=PREPARED,
    )


def test_per_product_declared_is_accepted_plus_refused_plus_pending(
    delivering: Delivering, answered: Declaration
) -> None:
    found = statement(delivering)

    assert len(found.rows) == 1
    row = found.rows[0]
    assert (row.product_category, row.unit, row.lines) == ("45", "82", 3)
    assert (row.declared_volume, row.accepted_volume, row.refused_volume, row.pending_volume) == (3, 1, 1, 1)
    assert (row.declared_cents, row.accepted_cents, row.refused_cents, row.pending_cents) == (
        375_000,
        125_000,
        125_000,
        125_000,
    )
    assert row.awarded_cents == 125_000
    assert all(check.ok for check in found.checks)
    assert [item.declaratienummer for item in found.declarations] == [answered.declaratienummer]


def test_a_draft_is_not_declared_yet(delivering: Delivering) -> None:
    delivering.delivered(delivering.world.own)
    services.declaration_run(municipality=delivering.world.municipality_a, period=PERIOD, on=ON)

    found = statement(delivering)

    assert found.rows == [] and found.drafts == 1 and found.totals.declared_cents == 0


def test_a_jw323_total_that_differs_from_its_lines_fails_loudly(delivering: Delivering, answered: Declaration) -> None:
    Declaration.objects.filter(pk=answered.pk).update(total_cents=answered.total_cents + 100)

    with pytest.raises(selectors.StatementMismatch) as raised:
        statement(delivering)

    assert any(answered.declaratienummer in problem for problem in raised.value.problems)


def test_a_jw325_total_that_differs_from_its_lines_fails_loudly(delivering: Delivering, answered: Declaration) -> None:
    Declaration.objects.filter(pk=answered.pk).update(awarded_cents=1)

    with pytest.raises(selectors.StatementMismatch, match="JW325"):
        statement(delivering)


def test_the_command_writes_nothing_when_it_does_not_reconcile(
    delivering: Delivering, answered: Declaration, tmp_path: Path
) -> None:
    Declaration.objects.filter(pk=answered.pk).update(total_cents=1)
    out = tmp_path / "statement.pdf"

    with pytest.raises(CommandError, match="does not reconcile"):
        call_command("production_statement", municipality="0344", year="2025", out=str(out), stderr=io.StringIO())

    assert not out.exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_the_pdf_reads_as_a_dutch_statement_without_clients(
    delivering: Delivering, answered: Declaration, tmp_path: Path
) -> None:
    out = tmp_path / "statement.pdf"
    stdout = io.StringIO()

    call_command(
        "production_statement",
        municipality="0344",
        year="2025",
        out=str(out),
        csv=str(tmp_path / "s.csv"),
        stdout=stdout,
    )

    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace("\u00a0", " ")
    for expected in [
        "Productieverantwoording",
        delivering.world.provider.agb_code,
        "Utrecht",
        "€ 3.750,00",
        "€ 1.250,00",
        answered.declaratienummer,
        "Handtekening",
        "Opgesteld op",
        "Controle met de berichten",
    ]:
        assert expected in text, expected
    for client in [delivering.world.own, delivering.world.team]:
        assert client.family_name not in text and client.bsn not in text and str(client.public_id) not in text
    assert "1/3" in stdout.getvalue() and "done: 1 products" in stdout.getvalue()
    assert (tmp_path / "s.csv").exists()


def test_the_csv_has_dutch_headers_and_a_total_row(delivering: Delivering, answered: Declaration) -> None:
    with translation.override("nl"):
        rows = list(csv.reader(io.StringIO(production_statement_csv(statement=statement(delivering))), delimiter=";"))

    assert rows[0][:4] == ["Productcategorie", "Productcode", "Eenheid", "Volume gedeclareerd"]
    assert rows[1][0] == "45" and rows[1][4] == "3750,00"
    assert rows[-1][0] == "Totaal"


def test_the_pdf_is_a_pdf(delivering: Delivering, answered: Declaration) -> None:
    assert production_statement_pdf(statement=statement(delivering)).startswith(b"%PDF")


def test_the_teamleider_downloads_it_from_the_declarations_screen(
    delivering: Delivering, answered: Declaration, login: Login
) -> None:
    http = login(delivering.world.teamleider)

    listing = html.unescape(http.get(reverse("declarations:declaration_list")).content.decode())
    form = http.get(URL)
    download = http.get(URL, {"municipality": "0344", "year": "2025", "format": "csv"})

    assert URL in listing
    assert form.status_code == 200
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "3750,00" in download.content.decode()


def test_a_mismatch_is_shown_not_downloaded(delivering: Delivering, answered: Declaration, login: Login) -> None:
    Declaration.objects.filter(pk=answered.pk).update(total_cents=1)

    response = login(delivering.world.teamleider).get(URL, {"municipality": "0344", "year": "2025", "format": "pdf"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert answered.declaratienummer in response.content.decode()


def test_a_municipality_without_a_contract_is_refused(delivering: Delivering, login: Login) -> None:
    response = login(delivering.world.teamleider).get(URL, {"municipality": "0363", "year": "2025", "format": "pdf"})

    assert response.status_code in {200, 404}
    assert not response["Content-Type"].startswith("application/pdf")


@pytest.mark.parametrize("role", ["coach", "toegang", "beleid", "beheerder", "jongere"])
def test_others_get_no_statement(delivering: Delivering, login: Login, role: str) -> None:
    http = login(delivering.world.user(role))

    assert http.get(URL).status_code == 403
    assert URL not in http.get(reverse("declarations:declaration_list")).content.decode()


def test_query_count_does_not_grow_with_lines(delivering: Delivering) -> None:
    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            statement(delivering)
        return len(queries)

    delivering.delivered(delivering.world.own)
    declaration = services.declaration_run(
        municipality=delivering.world.municipality_a, period=PERIOD, on=ON
    ).declarations[0]
    services.declaration_submit(declaration=declaration)
    few = counted()
    for _index in range(5):
        delivering.delivered(
            ClientFactory.create(team=delivering.world.team_1, municipality=delivering.world.municipality_a)
        )
    services.declaration_run(municipality=delivering.world.municipality_a, period=PERIOD, on=ON)
    Declaration.objects.update(status="submitted")

    assert counted() == few
