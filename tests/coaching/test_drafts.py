"""Nothing typed is lost when the session expires: the diary, an answer and a message sent after the
session expired are kept (encrypted, for the writer only) and come back after login with a notice."""

import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.coaching import services
from coachcare.coaching.models import DiaryEntry, FormDraft
from coachcare.messaging import services as messaging_services
from tests.coaching.conftest import AP, Running
from tests.conftest import log_in

NOTICE = "Your session had expired; your text has been kept."


def _ticket(page: str, name: str = "_draft") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert match, "the form carries no draft ticket"
    return match.group(1)


def _expire(http: HttpClient) -> None:
    """The session expired: the server forgot it (the browser still sends its cookie)."""
    http.session.flush()


def test_diary_sent_after_the_session_expired_comes_back_after_login(running: Running) -> None:
    http = log_in(HttpClient(), running.world.jongere)
    ticket = _ticket(http.get(reverse("coaching:diary")).content.decode())
    _expire(http)
    response = http.post(
        reverse("coaching:diary"), {"_draft": ticket, "mood": "2", "text": "Vandaag was zwaar op school"}
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert "next=/portal/diary/" in response["Location"]
    assert not DiaryEntry.objects.exists()  # not saved as an entry: the writer was not logged in
    draft = FormDraft.objects.get()
    assert draft.user == running.world.jongere and draft.client == running.world.own and draft.form == "diary"
    with connection.cursor() as cursor:  # encrypted at rest, like the diary text itself
        cursor.execute("SELECT data FROM coaching_formdraft")
        assert "zwaar" not in cursor.fetchone()[0]
    log_in(http, running.world.jongere)
    page = http.get(reverse("coaching:diary")).content.decode()
    assert NOTICE in page
    assert "Vandaag was zwaar op school</textarea>" in page
    assert re.search(r'value="2"[^>]*checked', page)
    assert not FormDraft.objects.exists()  # handed back once
    assert NOTICE not in http.get(reverse("coaching:diary")).content.decode()
    actions = set(AccessLogEntry.objects.values_list("action", flat=True))
    assert {"portal.draft.keep", "portal.draft.restore"} <= actions


def test_a_draft_is_only_handed_back_to_its_writer(running: Running) -> None:
    http = log_in(HttpClient(), running.world.jongere)
    ticket = _ticket(http.get(reverse("coaching:diary")).content.decode())
    _expire(http)
    http.post(reverse("coaching:diary"), {"_draft": ticket, "mood": "3", "text": "Alleen voor mij"})
    other = User.objects.create_user(username="ander", password="x", role=running.world.jongere.role)
    assert services.draft_take(actor=other, form="diary", access_point=AP) is None
    assert FormDraft.objects.count() == 1


def test_without_a_valid_ticket_nothing_is_kept(running: Running) -> None:
    http = HttpClient()
    for ticket in ("", "forged:value", "a" * 50):
        response = http.post(reverse("coaching:diary"), {"_draft": ticket, "mood": "3", "text": "x"})
        assert response.status_code == 302
    assert not FormDraft.objects.exists()


def test_ticket_of_another_form_field_keeps_only_its_own_fields(running: Running) -> None:
    http = log_in(HttpClient(), running.world.jongere)
    ticket = _ticket(http.get(reverse("coaching:diary")).content.decode())
    _expire(http)
    http.post(reverse("coaching:diary"), {"_draft": ticket, "mood": "4", "text": "t", "other": "geheim"})
    data = services.draft_take(actor=running.world.jongere, form="diary", access_point=AP)
    assert data == {"mood": "4", "text": "t"}


def test_empty_text_is_not_kept(running: Running) -> None:
    http = log_in(HttpClient(), running.world.jongere)
    ticket = _ticket(http.get(reverse("coaching:diary")).content.decode())
    _expire(http)
    http.post(reverse("coaching:diary"), {"_draft": ticket, "mood": "", "text": "  "})
    assert not FormDraft.objects.exists()


def test_assignment_answer_comes_back_in_its_own_form(running: Running) -> None:
    http = log_in(HttpClient(), running.world.jongere)
    page = http.get(reverse("coaching:module")).content.decode()
    form = re.search(r'action="/portal/module/assignments/(\d+)/".*?name="_draft" value="([^"]+)"', page, re.S)
    assert form
    order, ticket = form.group(1), form.group(2)
    _expire(http)
    response = http.post(
        reverse("coaching:answer_save", kwargs={"order": int(order)}),
        {"_draft": ticket, f"a{order}-text": "Mijn antwoord dat bijna weg was", "action": "submit"},
    )
    assert response.status_code == 302 and "next=/portal/module/" in response["Location"]
    log_in(http, running.world.jongere)
    page = http.get(reverse("coaching:module")).content.decode()
    assert NOTICE in page and "Mijn antwoord dat bijna weg was" in page


def test_message_comes_back_after_login(running: Running) -> None:
    world = running.world
    thread = messaging_services.thread_for(actor=world.coach, client=world.own, kind="youth", access_point=AP)
    url = reverse("messaging:thread", kwargs={"public_id": thread.public_id})
    http = log_in(HttpClient(), world.coach)
    ticket = _ticket(http.get(url).content.decode())
    _expire(http)
    response = http.post(url, {"_draft": ticket, "body": "Hoe ging het gesprek met je moeder?"})
    assert response.status_code == 302
    log_in(http, world.coach)
    page = http.get(url).content.decode()
    assert NOTICE in page and "Hoe ging het gesprek met je moeder?</textarea>" in page


@pytest.mark.parametrize("days", [8])
def test_old_drafts_are_not_handed_back(running: Running, days: int) -> None:
    import datetime

    from django.utils import timezone

    http = log_in(HttpClient(), running.world.jongere)
    ticket = _ticket(http.get(reverse("coaching:diary")).content.decode())
    _expire(http)
    http.post(reverse("coaching:diary"), {"_draft": ticket, "mood": "3", "text": "oud"})
    FormDraft.objects.update(saved_at=timezone.now() - datetime.timedelta(days=days))
    assert services.draft_take(actor=running.world.jongere, form="diary", access_point=AP) is None
    assert not FormDraft.objects.exists()


def test_download_my_data_holds_only_the_requesters_own_drafts(running: Running) -> None:
    from coachcare.coaching.data_rights import coaching_for_young_person as coaching_section

    world = running.world
    thread = messaging_services.thread_for(actor=world.coach, client=world.own, kind="youth", access_point=AP)
    coach_ticket = services.draft_ticket_read(
        token=services.draft_ticket_sign(
            actor=world.coach, client=world.own, form=f"message:{thread.public_id}", fields=["body"], path="/"
        )
    )
    own_ticket = services.draft_ticket_read(
        token=services.draft_ticket_sign(
            actor=world.jongere, client=world.own, form="diary", fields=["mood", "text"], path="/"
        )
    )
    assert coach_ticket is not None and own_ticket is not None
    services.draft_keep(ticket=coach_ticket, data={"body": "Concept van de coach"}, access_point=AP)
    services.draft_keep(ticket=own_ticket, data={"mood": "3", "text": "Mijn eigen concept"}, access_point=AP)
    section = coaching_section(world.own, world.jongere)
    assert section is not None
    text = str(section[1])
    assert "Mijn eigen concept" in text
    assert "Concept van de coach" not in text
