"""Password reset by e-mail: a content-free e-mail with a single-use link, and the same answer
whether or not the address has an account, equally fast: the e-mail goes out from a background
task, never during the request. The e-mail is read from a real SMTP server."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.tasks import default_task_backend
from django.test import Client as HttpClient

from coachcare.accounts.models import User
from coachcare.accounts.tasks import password_reset_send_task
from tests.conftest import World
from tests.mail import SmtpInbox

NEW_PASSWORD = "a brand new sentence 2026"
BASE = "http://localhost:8000"

Request = Callable[[str], Any]


@pytest.fixture
def ask(
    client: HttpClient, django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]]
) -> Iterator[Request]:
    """``ask(email)`` posts the reset form (on-commit callbacks run, so the task is queued)."""

    def _ask(email: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/accounts/password-reset/", {"email": email})

    yield _ask


def _queued() -> list[int]:
    results = default_task_backend.results  # type: ignore[attr-defined]
    return [r.args[0] for r in results if r.task.name == "password_reset_send_task"]


def _run_queue(before: int = 0) -> None:
    """What the task worker does: send every queued reset e-mail."""
    for user_id in _queued()[before:]:
        password_reset_send_task.call(user_id)


def test_a_known_address_gets_a_content_free_link_that_works_once(
    world: World, client: HttpClient, ask: Request, smtp_server: SmtpInbox
) -> None:
    world.jongere.email = "jongere@example.org"
    world.jongere.save()
    before = len(_queued())
    response = ask("Jongere@Example.org")
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert smtp_server.messages == []  # nothing is sent during the request
    assert _queued()[before:] == [world.jongere.pk]
    _run_queue(before)
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["jongere@example.org"]
    assert received.subject == "Een nieuw wachtwoord voor coachcare"
    assert world.jongere.username not in received.body and world.jongere.last_name not in received.body
    link = received.link()
    assert link.startswith(f"{BASE}/accounts/password-reset/")
    assert link.removeprefix(BASE) not in str(default_task_backend.results)  # type: ignore[attr-defined]
    opened = client.get(link.removeprefix(BASE))
    assert opened.status_code == 302 and opened["Referrer-Policy"] == "no-referrer"
    form_page = client.get(link.removeprefix(BASE), follow=True)
    assert form_page.context["validlink"]
    set_path = form_page.redirect_chain[-1][0]
    done = client.post(set_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password-reset/done/"
    world.jongere.refresh_from_db()
    assert world.jongere.check_password(NEW_PASSWORD)
    again = client.get(link.removeprefix(BASE), follow=True)
    assert not again.context["validlink"]


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(
    world: World, client: HttpClient, ask: Request, smtp_server: SmtpInbox
) -> None:
    before = len(_queued())
    known = ask(world.coach.email)
    unknown = ask("nobody@example.org")
    assert known["Location"] == unknown["Location"] == "/accounts/password-reset/sent/"
    page_known, page_unknown = client.get(known["Location"]), client.get(unknown["Location"])
    # The same page (apart from per-response nonces and tokens in the head).
    assert page_known.content.split(b"<main")[1] == page_unknown.content.split(b"<main")[1]
    assert _queued()[before:] == [world.coach.pk]
    _run_queue(before)
    smtp_server.wait_for(1)
    assert [m.recipients for m in smtp_server.messages] == [[world.coach.email]]


def test_a_deactivated_account_gets_no_e_mail(world: World, ask: Request, smtp_server: SmtpInbox) -> None:
    before = len(_queued())
    assert ask(world.inactive_coach.email).status_code == 302
    assert _queued()[before:] == []
    # Deactivated between asking and sending: still nothing.
    ask(world.coach.email)
    User.objects.filter(pk=world.coach.pk).update(is_active=False)
    assert password_reset_send_task.call(world.coach.pk) == 0
    assert smtp_server.messages == []


def test_the_new_password_must_pass_the_validators(
    world: World, client: HttpClient, ask: Request, smtp_server: SmtpInbox
) -> None:
    before = len(_queued())
    ask(world.coach.email)
    _run_queue(before)
    link = smtp_server.wait_for(1)[0].link().removeprefix(BASE)
    set_path = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(set_path, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200 and response.context["form"].errors
    assert User.objects.get(pk=world.coach.pk).check_password("correct-horse-battery-staple")


def test_the_login_page_links_to_the_reset(client: HttpClient, db: None) -> None:
    assert 'href="/accounts/password-reset/"' in client.get("/accounts/login/").content.decode()
