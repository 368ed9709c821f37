"""An assignment answer with a NUL character: a visible error next to the answer, the text kept,
nothing saved (it used to be dropped without a word)."""

from collections.abc import Callable

from django.core.validators import ProhibitNullCharactersValidator
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.coaching.models import AssignmentAnswer
from coachcare.method.models import Assignment
from tests.coaching.conftest import Running

Login = Callable[[User], HttpClient]


def test_an_answer_with_a_nul_character_gets_a_visible_error(running: Running, login: Login) -> None:
    http = login(running.world.jongere)
    assignment = Assignment.objects.filter(module=running.run.module, answer_kind="text").order_by("order").first()
    assert assignment is not None
    url = reverse("coaching:answer_save", kwargs={"order": assignment.order})
    response = http.post(url, {f"a{assignment.order}-text": "Mijn\x00 antwoord", "action": "submit"})
    assert response.status_code == 400
    page = response.content.decode()
    assert str(ProhibitNullCharactersValidator.message) in page
    assert 'role="alert"' in page and "Mijn" in page and "antwoord" in page  # the text as written
    assert not AssignmentAnswer.objects.exists()
