"""``Client.municipality`` changes only through ``client_move`` (and the merger command): read-only
in the admin, and no form of the clients app has the field."""

from collections.abc import Callable

from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.clients import forms as client_forms
from coachcare.clients.admin import ClientAdmin
from coachcare.clients.models import Client
from coachcare.home.forms import ReferralForm
from tests.conftest import World

Login = Callable[[User], HttpClient]


def test_the_admin_shows_the_municipality_read_only_and_refuses_a_change(world: World, login: Login) -> None:
    assert "municipality" in ClientAdmin.readonly_fields
    http = login(world.beheerder)
    url = reverse("admin:clients_client_change", args=[world.own.pk])
    page = http.get(url)
    assert page.status_code == 200
    assert 'name="municipality"' not in page.content.decode()  # shown as text, not a control

    response = http.post(url, {"municipality": world.municipality_b.pk, "_save": "Opslaan"})

    assert response.status_code == 403
    world.own.refresh_from_db()
    assert world.own.municipality == world.municipality_a


def test_no_form_changes_the_municipality_of_a_registered_young_person() -> None:
    forms_with_municipality = [
        name
        for name in dir(client_forms)
        if isinstance(getattr(client_forms, name), type)
        and hasattr(getattr(client_forms, name), "base_fields")
        and "municipality" in getattr(client_forms, name).base_fields
    ]
    assert forms_with_municipality == []
    # The referral form names the municipality of a NEW young person only (``client_refer``).
    assert "municipality" in ReferralForm.base_fields
    assert Client._meta.get_field("municipality").editable  # the field itself: kept in the services
