"""The portal through HTTP: pages, forms, calendar file, chart, parents, the coach's side,
the access log and fixed query counts."""

import datetime
import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client
from coachcare.coaching import services
from coachcare.coaching.models import Appointment, AssignmentAnswer, DiaryEntry
from coachcare.core.dates import today, years_before
from coachcare.measures.models import QuestionnaireResponse
from coachcare.method.models import Assignment
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.clients.factories import ClientFactory
from tests.coaching.conftest import AP, Running
from tests.pages import shows

Login = Callable[[User], HttpClient]


def appointment(
    running: Running, *, days: float = 3, with_parents: bool = False, title: str = "Gesprek"
) -> Appointment:
    start = timezone.now() + datetime.timedelta(days=days)
    return services.appointment_create(
        actor=running.world.coach,
        client=running.world.own,
        trajectory=running.trajectory,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        kind="offline",
        location="Oudegracht 1, Utrecht",
        title=title,
        with_parents=with_parents,
        access_point=AP,
    )


def test_young_person_home_is_the_portal(running: Running, login: Login) -> None:
    http = login(running.world.jongere)
    response = http.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse("coaching:home")
    page = http.get(reverse("coaching:home")).content.decode()
    assert reverse("clients:detail", kwargs={"public_id": running.world.own.public_id}) in page
    assert "/messages/" in page
    assert "Open my module" in page


def test_goal_chart_is_an_svg_without_style_and_with_a_text_alternative(running: Running, login: Login) -> None:
    page = login(running.world.jongere).get(reverse("coaching:home")).content.decode()
    svg = re.search(r'<svg class="coachcare-chart__svg"[^>]*>.*?</svg>', page, re.S)
    assert svg is not None
    assert "style" not in svg.group(0)
    assert 'role="img"' in svg.group(0) and 'aria-labelledby="chart-title-1"' in svg.group(0)
    assert '<title id="chart-title-1">' in svg.group(0)
    assert "<polyline" in svg.group(0)
    table = re.search(r"<table.*?</table>", page, re.S)
    assert table is not None and "intake" in table.group(0) and ">3<" in table.group(0)
    # No inline style or script (the page frame loads theme.js from a file, as the CSP requires).
    assert " style=" not in page and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_assignment_draft_then_submit_through_the_page(running: Running, login: Login) -> None:
    http = login(running.world.jongere)
    assignment = Assignment.objects.filter(module=running.run.module, answer_kind="text").order_by("order").first()
    assert assignment is not None
    page = http.get(reverse("coaching:module")).content.decode()
    assert assignment.title in page and "Save draft" in page
    url = reverse("coaching:answer_save", kwargs={"order": assignment.order})
    field = f"a{assignment.order}-text"
    http.post(url, {field: "Mijn concept", "action": "draft"})
    answer = AssignmentAnswer.objects.get()
    assert (answer.status, answer.text) == ("draft", "Mijn concept")
    assert "Mijn concept" in http.get(reverse("coaching:module")).content.decode()
    http.post(url, {field: "Mijn antwoord", "action": "submit"})
    http.post(url, {field: "Nog iets", "action": "draft"})
    answer.refresh_from_db()
    assert (answer.status, answer.text) == ("submitted", "Mijn antwoord")
    services.assignment_feedback_give(actor=running.world.coach, answer=answer, feedback="Sterk punt!", access_point=AP)
    page = http.get(reverse("coaching:module")).content.decode()
    assert "Sterk punt!" in page
    assert page.count('value="submit"') == Assignment.objects.filter(module=running.run.module).count() - 1


def test_diary_check_in_and_validation(running: Running, login: Login) -> None:
    http = login(running.world.jongere)
    response = http.post(reverse("coaching:diary"), {"mood": "9", "text": "x"})
    assert response.status_code == 400
    assert DiaryEntry.objects.count() == 0
    response = http.post(reverse("coaching:diary"), {"mood": "4", "text": "Lekker geslapen"})
    assert response.status_code == 302
    page = http.get(reverse("coaching:diary")).content.decode()
    assert "Lekker geslapen" in page and "Good" in page
    assert 'type="radio"' in page and "<legend" in page


def test_ics_download(running: Running, login: Login) -> None:
    item = appointment(running, title="Gesprek met je coach")
    services.diary_entry_add(
        actor=running.world.jongere, client=running.world.own, mood=1, text="Geheim", access_point=AP
    )
    response = login(running.world.jongere).get(
        reverse("coaching:appointment_ics", kwargs={"public_id": item.public_id})
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.endswith("\r\n")
    lines = body.split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    fields = dict(line.split(":", 1) for line in lines)
    assert fields["UID"] == f"{item.public_id}@coachcare.invalid"
    assert fields["DTSTART"] == item.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert re.fullmatch(r"\d{8}T\d{6}Z", fields["DTEND"])
    assert fields["SUMMARY"] == "Gesprek met je coach"
    assert fields["LOCATION"] == "Oudegracht 1\\, Utrecht"
    for clinical in ("Geheim", running.goal.text, running.parenting_goal.text, "Op tijd"):
        assert clinical not in body
    assert AccessLogEntry.objects.filter(action="portal.appointment.ics").count() == 1


def test_ics_refused_to_others(running: Running, login: Login) -> None:
    private = appointment(running)
    invited = appointment(running, with_parents=True)

    def url(booked: Appointment) -> str:
        return reverse("coaching:appointment_ics", kwargs={"public_id": booked.public_id})

    assert login(running.world.jongere_other).get(url(private)).status_code == 404
    assert login(running.world.toegang).get(url(private)).status_code == 404
    assert login(running.world.ouder).get(url(private)).status_code == 404
    assert login(running.world.ouder).get(url(invited)).status_code == 200


def test_parent_sees_invited_appointments_and_parenting_goals_only(running: Running, login: Login) -> None:
    appointment(running, title="Alleen jongere")
    appointment(running, title="Gezinsgesprek", with_parents=True)
    services.diary_entry_add(
        actor=running.world.jongere, client=running.world.own, mood=2, text="Dagboektekst", access_point=AP
    )
    page = login(running.world.ouder).get(reverse("coaching:home")).content.decode()
    assert "Gezinsgesprek" in page and "Alleen jongere" not in page
    assert running.parenting_goal.text in page and running.goal.text not in page
    assert "Dagboektekst" not in page
    assert AccessLogEntry.objects.filter(action="portal.goals", user_id=running.world.ouder.pk).count() == 1


def test_parent_of_a_sixteen_year_old_sees_no_goals(running: Running, login: Login) -> None:
    Client.objects.filter(pk=running.world.own.pk).update(birth_date=years_before(today(), 16))
    appointment(running, title="Gezinsgesprek", with_parents=True)
    page = login(running.world.ouder).get(reverse("coaching:home")).content.decode()
    assert "Gezinsgesprek" in page
    assert running.parenting_goal.text not in page


def test_due_session_feedback_is_answered(running: Running, login: Login) -> None:
    past = appointment(running, days=-1)
    http = login(running.world.jongere)
    page = http.get(reverse("coaching:home")).content.decode()
    assert "How did the session go?" in page
    context = f"session:{past.public_id}"
    url = reverse("coaching:questionnaire", kwargs={"code": "sessie-feedback"})
    form = http.get(url, {"context": context})
    assert form.status_code == 200 and 'type="radio"' in form.content.decode()
    assert http.get(url, {"context": "session:other"}).status_code == 404
    answers = {"gehoord": "8", "belangrijk": "7", "aanpak": "9", "alles": "8", "context": context}
    assert http.post(url, answers).status_code == 302
    response = QuestionnaireResponse.objects.get()
    assert (response.context, response.total) == (context, 32)
    assert "How did the session go?" not in http.get(reverse("coaching:home")).content.decode()


SATISFACTION_ANSWERS = {
    "nuttig": "4", "serieus": "5", "meebeslissen": "4", "wachten": "1", "zelf-verder": "4", "zonder-hulp": "5",
    "aanraden": "5",
}  # fmt: skip


def test_satisfaction_at_closure_is_answered_by_the_young_person_and_a_parent_themselves(
    running: Running, login: Login
) -> None:
    from coachcare.coaching.selectors import WaitingKind, waiting_for
    from coachcare.trajectories.models import NextAction

    world = running.world
    Trajectory.objects.filter(pk=running.trajectory.pk).update(next_action=NextAction.CLOSE)
    youth = login(world.jongere)
    assert "What did you think of the help?" in youth.get(reverse("coaching:home")).content.decode()
    url = reverse("coaching:questionnaire", kwargs={"code": "tevredenheid"})
    assert youth.post(url, {**SATISFACTION_ANSWERS, "context": "closure"}).status_code == 302

    everything = waiting_for(actor=world.ouder, access_point=AP)
    waiting = [item for item in everything if item.kind == WaitingKind.QUESTIONNAIRE]
    assert len(waiting) == 1 and f"client={world.own.public_id}" in waiting[0].url
    parent = login(world.ouder)
    assert "My child can now carry on without help." in parent.get(waiting[0].url).content.decode()
    parent_url = reverse("coaching:questionnaire", kwargs={"code": "tevredenheid-ouder"})
    other = {**SATISFACTION_ANSWERS, "context": "closure", "client": str(world.other_team.public_id)}
    assert parent.post(parent_url, other).status_code == 404  # not their child
    answers = {**SATISFACTION_ANSWERS, "nuttig": "2", "context": "closure", "client": str(world.own.public_id)}
    assert parent.post(parent_url, answers).status_code == 302
    assert login(world.coach).get(url, {"context": "closure"}).status_code == 404  # never the coach

    responses = {
        r.definition.code: r
        for r in QuestionnaireResponse.objects.filter(trajectory_public_id=running.trajectory.public_id)
    }
    assert (responses["tevredenheid"].informant, responses["tevredenheid"].subscales["nut"]) == ("jongere", 4)
    assert (responses["tevredenheid-ouder"].informant, responses["tevredenheid-ouder"].subscales["nut"]) == (
        "ouder",
        2,
    )
    assert not [item for item in waiting_for(actor=world.ouder, access_point=AP) if item.kind == "questionnaire"]
    assert "What did you think of the help?" not in youth.get(reverse("coaching:home")).content.decode()


def test_coach_reads_work_gives_feedback_and_plans(running: Running, login: Login) -> None:
    world = running.world
    assignment = Assignment.objects.filter(module=running.run.module, answer_kind="text").first()
    assert assignment is not None
    answer = services.assignment_answer_save(
        actor=world.jongere,
        module_run=running.run,
        assignment=assignment,
        text="Ingeleverd",
        submit=True,
        access_point=AP,
    )
    services.diary_entry_add(actor=world.jongere, client=world.own, mood=5, text="Top dag", access_point=AP)
    http = login(world.coach)
    overview = http.get(reverse("coaching:coach_overview")).content.decode()
    assert assignment.title in overview and "Top dag" in overview
    client_url = reverse("coaching:coach_client", kwargs={"public_id": world.own.public_id})
    assert "Ingeleverd" in http.get(client_url).content.decode()
    detail = http.get(reverse("clients:detail", kwargs={"public_id": world.own.public_id})).content.decode()
    assert client_url in detail
    http.post(
        reverse("coaching:feedback_give", kwargs={"public_id": answer.public_id}),
        {f"{answer.public_id}-feedback": "Goed gedaan"},
    )
    answer.refresh_from_db()
    assert answer.feedback == "Goed gedaan"
    day = today() + datetime.timedelta(days=5)
    response = http.post(
        reverse("coaching:appointment_add", kwargs={"public_id": world.own.public_id}),
        {"date": day.isoformat(), "start_time": "10:00", "end_time": "09:00", "kind": "online", "title": "Gesprek"},
    )
    assert response.status_code == 400 and Appointment.objects.count() == 0
    http.post(
        reverse("coaching:appointment_add", kwargs={"public_id": world.own.public_id}),
        {
            "date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "kind": "online",
            "location": "Video",
            "title": "Gesprek",
            "with_parents": "on",
        },
    )
    assert Appointment.objects.get().with_parents


@pytest.mark.parametrize("who", ["coach_other_team", "toegang", "beheerder", "ouder", "jongere"])
def test_coach_pages_refused_to_others(running: Running, login: Login, who: str) -> None:
    http = login(running.world.user(who))
    assert (
        http.get(reverse("coaching:coach_client", kwargs={"public_id": running.world.own.public_id})).status_code == 404
    )
    if who != "coach_other_team":
        assert http.get(reverse("coaching:coach_overview")).status_code == 404


def test_other_roles_have_no_young_persons_portal(running: Running, login: Login) -> None:
    assert login(running.world.toegang).get(reverse("coaching:home")).status_code == 404
    assert login(running.world.coach).get(reverse("coaching:home")).status_code == 302


def test_portal_reads_are_logged(running: Running, login: Login) -> None:
    http = login(running.world.jongere)
    http.get(reverse("coaching:home"))
    http.get(reverse("coaching:module"))
    http.get(reverse("coaching:diary"))
    actions = set(AccessLogEntry.objects.filter(user_id=running.world.jongere.pk).values_list("action", flat=True))
    assert {"portal.goals", "portal.diary", "portal.appointment", "portal.assignment"} <= actions
    assert set(
        AccessLogEntry.objects.filter(action__startswith="portal.").values_list("client_public_id", flat=True)
    ) == {running.world.own.public_id}


def _queries(http: HttpClient, url: str) -> int:
    cache.clear()  # every measurement counts the unread badge (kept for a while between pages)
    with CaptureQueriesContext(connection) as captured:
        assert http.get(url).status_code == 200
    return len(captured)


def test_portal_home_has_a_fixed_number_of_queries(running: Running, login: Login) -> None:
    http = login(running.world.jongere)

    def add(count: int) -> None:
        for index in range(count):
            appointment(running, days=1 + index)
            services.diary_entry_add(actor=running.world.jongere, client=running.world.own, mood=3, access_point=AP)
            appointment(running, days=-0.5 - index / 100)

    add(3)
    few = _queries(http, reverse("coaching:home"))
    add(27)
    assert _queries(http, reverse("coaching:home")) == few


def test_coach_overview_has_a_fixed_number_of_queries(running: Running, login: Login) -> None:
    world = running.world
    assignment = Assignment.objects.filter(module=running.run.module).first()
    assert assignment is not None
    http = login(world.coach)

    def add(count: int) -> None:
        for _index in range(count):
            client = ClientFactory.create(coach=world.coach, municipality=world.municipality_a)
            trajectory = Trajectory.objects.create(
                client=client,
                municipality_id=client.municipality_id,
                referrer_kind="gemeente",
                referred_on=today(),
                method_version=running.trajectory.method_version,
            )
            run = ModuleRun.objects.create(
                trajectory=trajectory, module=running.run.module, sequence=1, started_on=today(), due_on=today()
            )
            AssignmentAnswer.objects.create(
                client=client,
                module_run=run,
                assignment=assignment,
                text="Antwoord",
                status="submitted",
                saved_at=timezone.now(),
                submitted_at=timezone.now(),
            )
            DiaryEntry.objects.create(
                client=client, mood=3, text="Tekst", created_at=timezone.now(), created_by=world.jongere
            )

    add(3)
    few = _queries(http, reverse("coaching:coach_overview"))
    add(27)
    assert _queries(http, reverse("coaching:coach_overview")) == few


def test_coach_overview_rows_print_as_the_templates_did_and_escaped(running: Running, login: Login) -> None:
    """The overview's rows (names, links, dates and mood lines made once per list) print what the
    template's ``url()``, ``|date`` and ``_()`` printed, with every text escaped."""
    world = running.world
    assignment = Assignment.objects.filter(module=running.run.module).first()
    assert assignment is not None
    client = ClientFactory.create(
        coach=world.coach, municipality=world.municipality_a, given_name="<b>Sam</b>", family_name="van 't Hek"
    )
    trajectory = Trajectory.objects.create(
        client=client,
        municipality_id=client.municipality_id,
        referrer_kind="gemeente",
        referred_on=today(),
        method_version=running.trajectory.method_version,
    )
    run = ModuleRun.objects.create(
        trajectory=trajectory, module=running.run.module, sequence=1, started_on=today(), due_on=today()
    )
    moment = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC)  # just after the clocks went forward
    answer = AssignmentAnswer.objects.create(
        client=client,
        module_run=run,
        assignment=assignment,
        text="Antwoord",
        status="submitted",
        saved_at=moment,
        submitted_at=moment,
    )
    DiaryEntry.objects.create(
        client=client, mood=2, text="<script>alert(1)</script>\nregel 2", created_at=moment, created_by=world.jongere
    )
    page = login(world.coach).get(reverse("coaching:coach_overview")).content.decode()
    link = reverse("coaching:coach_client", kwargs={"public_id": client.public_id})
    assert f'href="{link}#answer-{answer.public_id}"' in page and f'href="{link}"' in page
    assert "<b>Sam</b>" not in page and shows("<b>Sam</b> van 't Hek", page)
    assert "29 March 2026, 03:30" in page  # local time (CEST), as |date("j F Y, H:i")
    assert "Mood: Not so good (2 of 5)" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;<br>regel 2" in page
