"""No English in the Dutch interface (issue 16 item 11; docs/architecture.md, "Language").

With Dutch active, every URL pattern of the URL conf is opened as every role (the URL walker,
``tests/core/url_walk.py``), and every document a person gets is read: the HTML source of each PDF
(data download, evidence report), the header row of each CSV export, and the subject and body of
each e-mail as it crossed the wire (aiosmtpd). ``tests/core/dutch.py`` finds English three ways:
messages missing from the Dutch catalogue that show up in the output, English words and dates in
text that was never marked for translation, and raw access-log codes.

Left out on purpose: the REST API and FHIR server (machine interfaces, English field names by
standard) and the research export (a data set for researchers whose column names are the codes of
its code book in docs/indicators.md).
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from django.conf import settings
from django.http import HttpResponseBase
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from coachcare.accounts import services as account_services
from coachcare.accounts.models import User, UserChangeRequest
from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client, GezagRelation
from coachcare.coaching import services as coaching_services
from coachcare.messaging import services as messaging_services
from coachcare.messaging.models import Message
from coachcare.monitoring import services as monitoring_services
from coachcare.monitoring.models import ForecastAlert
from coachcare.municipalities.models import Municipality
from coachcare.privacy import services as privacy_services
from coachcare.privacy.labels import FIELD_LABELS, field_label
from coachcare.providers.models import Provider, Team
from coachcare.safeguarding import services as safeguarding_services
from coachcare.safeguarding.models import HandoffNotice
from tests.core.dutch import CatalogueWatch, catalogue_watch, english_in, visible_text
from tests.core.url_walk import ROLES, WalkData, body, url_for, url_patterns
from tests.mail import SmtpInbox


@pytest.fixture
def watch() -> Iterator[CatalogueWatch]:
    with catalogue_watch() as recorder:
        yield recorder


@pytest.fixture
def pdf_sources(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTML every PDF is made from (WeasyPrint's layout itself is left out: it is slow and
    adds no words)."""
    sources: list[str] = []
    original_init = weasyprint.HTML.__init__

    def init(self: Any, *args: Any, string: str | None = None, **kwargs: Any) -> None:
        if string is not None:
            sources.append(string)
        original_init(self, *args, string=string, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "__init__", init)
    return sources


def _codes() -> set[str]:
    return set(AccessLogEntry.objects.values_list("action", flat=True).distinct())


def _data_names() -> set[str]:
    """Names in the test data (Faker may make up a company "Koninklijke The Elder"): not interface text."""
    names: set[str] = set()
    for model, fields in (
        (Provider, ("name",)),
        (Team, ("name",)),
        (Municipality, ("name",)),
        (User, ("first_name", "last_name", "username")),
        (Client, ("given_name", "family_name")),
        (GezagRelation, ("given_name", "family_name")),
    ):
        for row in model._default_manager.values_list(*fields):
            names.update(str(value) for value in row if value)
    return names


def _problems(
    response: HttpResponseBase, watch: CatalogueWatch, pdfs: list[str], codes: set[str], data: set[str]
) -> list[str]:
    content_type = response.get("Content-Type", "")
    found = []
    text = body(response)  # read once: a streamed response can be read only once
    if content_type.startswith("text/html"):
        found += english_in(visible_text(text), codes=codes, data=data)
        found += [f"not in the Dutch catalogue: {message!r}" for message in watch.shown_in(text)]
    elif content_type.startswith("text/csv"):
        # The header row and the first column (the row labels, e.g. the evidence report's tables);
        # the other cells are data.
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        cells = [*(rows[0] if rows else []), *(row[0] for row in rows[1:] if row)]
        found += [f"CSV {problem}" for problem in english_in(cells, codes=codes, data=data)]
        found += [f"CSV not in the Dutch catalogue: {m!r}" for m in watch.shown_in("\n".join(cells))]
    for source in pdfs:
        found += [f"PDF {problem}" for problem in english_in(visible_text(source), codes=codes, data=data)]
        found += [f"PDF not in the Dutch catalogue: {message!r}" for message in watch.shown_in(source)]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_document_is_dutch(
    walk: WalkData, role: str | None, watch: CatalogueWatch, pdf_sources: list[str]
) -> None:
    http = walk.http(role)
    codes = _codes()
    data = _data_names()
    problems: dict[str, list[str]] = {}
    pages = 0
    documents = 0
    for pattern in url_patterns():
        if pattern.is_api or pattern.ends_session:
            continue
        urls = [url_for(pattern, walk)]
        if pattern.route.endswith("report.<str:fmt>"):
            urls.append(urls[0].replace("report.csv", "report.pdf"))
        # GET every page; POST an empty form to each page the role may open, so the error
        # messages of forms and services are read too (the page shown again with its errors).
        for method, url in [*(("GET", url) for url in urls), ("POST", urls[0])]:
            watch.reset()
            pdf_sources.clear()
            with translation.override("nl"):
                response = getattr(http, method.lower())(url, headers={"Accept-Language": "nl"})
            if response.status_code in {301, 302, 303, 405} or (method == "POST" and response.status_code >= 400):
                continue
            pages += 1
            documents += bool(pdf_sources) or response.get("Content-Type", "").startswith("text/csv")
            found = _problems(response, watch, pdf_sources, codes, data)
            if found:
                problems[f"{method} {response.status_code} {url} ({pattern.route})"] = found
    report = "\n".join(f"{where}\n    " + "\n    ".join(found) for where, found in problems.items())
    assert problems == {}, f"English shown to {role or 'anonymous'}:\n{report}"
    assert pages > (20 if role is not None else 5)  # the anonymous visitor is sent to the login page
    if role in {"jongere", "beleid"}:  # the data download (PDF) and the evidence report (PDF and CSV)
        assert documents >= 2


def test_the_production_statement_is_dutch(walk: WalkData, watch: CatalogueWatch, pdf_sources: list[str]) -> None:
    """Issue 18.7: the productieverantwoording the provider's team lead downloads, PDF (its HTML
    source) and CSV (its header row), read like every page."""
    http = walk.http("teamleider")
    codes, data = _codes(), _data_names()
    for kind, content_type in [("pdf", "application/pdf"), ("csv", "text/csv")]:
        watch.reset()
        pdf_sources.clear()
        with translation.override("nl"):
            response = http.get(
                reverse("declarations:production_statement"),
                {"municipality": walk.world.municipality_a.code, "year": "2025", "format": kind},
                headers={"Accept-Language": "nl"},
            )
        assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
        assert _problems(response, watch, pdf_sources, codes, data) == []
        assert bool(pdf_sources) is (kind == "pdf")  # the PDF's HTML was read


def test_the_detectors_catch_what_the_issue_saw(watch: CatalogueWatch) -> None:
    """The cases of issue 16 item 11 are caught; Dutch text is not."""
    seen = [
        "Given name",
        "Final gas t",
        "At",
        "Who",
        "Role",
        "Action",
        "portal.diary.add",
        "(the situation at the intake)",
        "10 Nov 2026",
        "- Select an option -",
        "2026-11-10",
    ]
    found = english_in(seen, codes={"portal.diary.add"})
    assert len(found) == len(seen) - 1, found  # "At" alone is also a Dutch word ("ik at")
    dutch = ["Voornaam", "10 november 2026", "10-11-2026", "Wie", "Rol", "Actie", "(de situatie bij de intake)"]
    assert english_in(dutch, codes={"portal.diary.add"}) == []
    assert english_in(["Koninklijke The Elder"], data={"Koninklijke The Elder"}) == []
    assert english_in(["Save Koninklijke The Elder"], data={"Koninklijke The Elder"}) != []
    with translation.override("nl"):
        translation.gettext("A message nobody translated")
        translation.gettext("Download list (CSV)")
    assert watch.shown_in("<p>A message nobody translated</p>") == ["A message nobody translated"]
    assert watch.shown_in("<p>Lijst downloaden (CSV)</p>") == []


def test_every_e_mail_is_dutch(walk: WalkData, smtp_server: SmtpInbox, watch: CatalogueWatch) -> None:
    """Each kind of e-mail, sent by its own service function through a real SMTP server."""
    world = walk.world
    senders = 0
    with translation.override("nl"):
        account_services.invitation_resend(
            actor=world.coach, invitation=walk.client_invitation, access_point=_access_point()
        )
        senders += 1
        account_services.password_reset_send(user_id=walk.staff_member.pk)
        senders += 1
        message = Message.objects.filter(thread=walk.youth_thread).order_by("pk").first()
        assert message is not None
        Message.objects.filter(pk=message.pk).update(notified_at=None)
        messaging_services.message_notify(message_id=message.pk)
        senders += 1
        world.jongere.email = world.jongere.email or "jongere@example.org"
        world.jongere.save(update_fields=["email"])
        coaching_services._reminder_send(world.jongere)
        senders += 1
        notice = HandoffNotice.objects.create(trajectory=walk.trajectory, end_reason="38")
        safeguarding_services.handoff_notify(notice_id=notice.pk)
        senders += 1
        alert = ForecastAlert.objects.create(
            municipality=world.municipality_a,
            month=datetime.date(2026, 11, 1),
            actual_cents=250_000,
            expected_cents=200_000,
            deviation=0.25,
        )
        monitoring_services.forecast_alert_notify(alert_id=alert.pk)
        senders += 1
        change = UserChangeRequest(kind=UserChangeRequest.Kind.PASSWORD, target=walk.staff_member)
        assert walk.staff_member.email
        account_services._notify(change_request=change)  # the e-mail of an approved change
        senders += 1
    received = smtp_server.wait_for(senders)
    assert len(received) >= senders
    problems = []
    for mail in received:
        text = [mail.subject, *mail.body.splitlines()]
        problems += [f"{mail.subject!r}: {problem}" for problem in english_in(text, codes=_codes(), data=_data_names())]
        problems += [f"{mail.subject!r}: not in the catalogue {m!r}" for m in watch.shown_in("\n".join(text))]
    assert problems == []


def _access_point() -> Any:
    from coachcare.audit.services import AccessPoint

    return AccessPoint(channel="web", address="127.0.0.1")


def test_dates_are_dutch() -> None:
    """Django's Dutch formats: "10 november 2026" or "10 nov 2026", never "10 Nov 2026" (the ``M``
    format character title-cases the month, so templates use ``b``)."""
    moment = timezone.make_aware(datetime.datetime(2026, 11, 10, 9, 30))
    with translation.override("nl"):
        rendered = Template('{{ d|date:"j F Y" }}|{{ d|date }}|{{ d|date:"j b Y" }}').render(Context({"d": moment}))
    assert rendered == "10 november 2026|10 november 2026|10 nov 2026"


def test_no_english_date_formats_in_the_source() -> None:
    """No ``|date`` format with ``M`` (title-cased "Nov") and no ``strftime`` month or day names
    (``%b``, ``%B``, ``%a``, ``%A``: English whatever the language) in code or templates."""
    source = Path(settings.BASE_DIR) / "src" / "coachcare"
    offenders = []
    for path in [*source.rglob("*.html"), *source.rglob("*.txt"), *source.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"""\|date:["']([^"']*)["']|%[bBaA]\b""", text):
            if match.group(1) is None or "M" in match.group(1):
                offenders.append(f"{path.relative_to(source)}: {match.group(0)}")
    assert offenders == []


@pytest.mark.parametrize("role", ["jongere", "ouder"])
def test_every_key_of_the_data_download_has_a_dutch_label(walk: WalkData, role: str) -> None:
    """The PDF shows ``privacy.labels.field_label(key)``: every key of every section has a label."""
    export = privacy_services.client_data_export(
        actor=walk.user(role), client=walk.world.own, access_point=_access_point()
    )
    keys = {key for section in export.sections for row in section.rows for key in row}
    assert len(keys) > 20
    assert keys - set(FIELD_LABELS) == set()
    with translation.override("nl"):
        assert field_label("given_name") == "Voornaam"
        assert field_label("final_gas_t") == "GAS T-score aan het eind"
