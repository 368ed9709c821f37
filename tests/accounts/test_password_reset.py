"""Password reset by e-mail: a content-free e-mail with a single-use link, and the same answer
whether or not the address has an account. The e-mail is read from a real SMTP server."""

from django.test import Client as HttpClient

from coachcare.accounts.models import User
from tests.conftest import World
from tests.mail import SmtpInbox

NEW_PASSWORD = "a brand new sentence 2026"


def test_a_known_address_gets_a_content_free_link_that_works_once(
    world: World, client: HttpClient, smtp_server: SmtpInbox
) -> None:
    world.jongere.email = "jongere@example.org"
    world.jongere.save()
    response = client.post("/accounts/password-reset/", {"email": "Jongere@Example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["jongere@example.org"]
    assert received.subject == "Een nieuw wachtwoord voor coachcare"
    assert world.jongere.username not in received.body and world.jongere.last_name not in received.body
    link = received.link()
    assert link.startswith("http://localhost:8000/accounts/password-reset/")
    opened = client.get(link.removeprefix("http://localhost:8000"))
    assert opened.status_code == 302 and opened["Referrer-Policy"] == "no-referrer"
    form_page = client.get(link.removeprefix("http://localhost:8000"), follow=True)
    assert form_page.context["validlink"]
    set_path = form_page.redirect_chain[-1][0]
    done = client.post(set_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password-reset/done/"
    world.jongere.refresh_from_db()
    assert world.jongere.check_password(NEW_PASSWORD)
    again = client.get(link.removeprefix("http://localhost:8000"), follow=True)
    assert not again.context["validlink"]


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(
    world: World, client: HttpClient, smtp_server: SmtpInbox
) -> None:
    known = client.post("/accounts/password-reset/", {"email": world.coach.email}, follow=True)
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [("/accounts/password-reset/sent/", 302)]
    # The same page (apart from per-response nonces and tokens in the head).
    assert known.content.split(b"<main")[1] == unknown.content.split(b"<main")[1]
    assert len(smtp_server.wait_for(1)) == 1  # only the known address got one
    assert [m.recipients for m in smtp_server.messages] == [[world.coach.email]]


def test_a_deactivated_account_gets_no_e_mail(world: World, client: HttpClient, smtp_server: SmtpInbox) -> None:
    response = client.post("/accounts/password-reset/", {"email": world.inactive_coach.email})
    assert response.status_code == 302
    client.post("/accounts/password-reset/", {"email": world.coach.email})
    smtp_server.wait_for(1)
    assert [m.recipients for m in smtp_server.messages] == [[world.coach.email]]


def test_the_new_password_must_pass_the_validators(world: World, client: HttpClient, smtp_server: SmtpInbox) -> None:
    client.post("/accounts/password-reset/", {"email": world.coach.email})
    link = smtp_server.wait_for(1)[0].link().removeprefix("http://localhost:8000")
    set_path = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(set_path, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200 and response.context["form"].errors
    assert User.objects.get(pk=world.coach.pk).check_password("correct-horse-battery-staple")


def test_the_login_page_links_to_the_reset(client: HttpClient, db: None) -> None:
    assert 'href="/accounts/password-reset/"' in client.get("/accounts/login/").content.decode()
