"""BSN and clinical text are encrypted at rest; the ORM decrypts; encrypted columns cannot be filtered."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from coachcare.clients.models import Client, ClientNote, ParentAccessDecision
from coachcare.core import fields
from tests.clients.factories import ClientFactory, ClientNoteFactory, ParentAccessDecisionFactory

pytestmark = pytest.mark.django_db


def _raw(sql: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        value: str = cursor.fetchone()[0]
        return value


def test_bsn_is_stored_encrypted_and_decrypts_through_the_orm() -> None:
    client = ClientFactory.create(bsn="111222333")

    raw = _raw("SELECT bsn FROM clients_client WHERE id = %s", client.pk)
    assert "111222333" not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token
    assert Client.objects.get(pk=client.pk).bsn == "111222333"


def test_same_bsn_encrypts_differently_each_time() -> None:
    assert fields.encrypt_text("111222333") != fields.encrypt_text("111222333")


def test_note_text_is_stored_encrypted() -> None:
    note = ClientNoteFactory.create(text="Vertrouwelijk: ruzie thuis")

    raw = _raw("SELECT text FROM clients_clientnote WHERE id = %s", note.pk)
    assert "Vertrouwelijk" not in raw
    assert ClientNote.objects.get(pk=note.pk).text == "Vertrouwelijk: ruzie thuis"


def test_parent_access_reason_is_stored_encrypted() -> None:
    decision = ParentAccessDecisionFactory.create(reason="Geweld in het gezin")

    raw = _raw("SELECT reason FROM clients_parentaccessdecision WHERE id = %s", decision.pk)
    assert "Geweld" not in raw
    assert ParentAccessDecision.objects.get(pk=decision.pk).reason == "Geweld in het gezin"


def test_empty_reason_stays_empty() -> None:
    decision = ParentAccessDecisionFactory.create(reason="")

    assert _raw("SELECT reason FROM clients_parentaccessdecision WHERE id = %s", decision.pk) == ""
    assert ParentAccessDecision.objects.get(pk=decision.pk).reason == ""


@pytest.mark.parametrize("lookup", ["bsn", "bsn__exact", "bsn__icontains", "bsn__startswith", "bsn__in"])
def test_filtering_an_encrypted_field_raises(lookup: str) -> None:
    value: object = ["111222333"] if lookup.endswith("__in") else "111222333"
    with pytest.raises(TypeError):
        Client.objects.filter(**{lookup: value})


def test_notes_cannot_be_searched() -> None:
    with pytest.raises(TypeError):
        ClientNote.objects.filter(**{"text__icontains": "thuis"})  # a dict: django-stubs would evaluate the lookup


def test_isnull_is_allowed() -> None:
    ClientFactory.create()

    assert Client.objects.filter(bsn__isnull=False).count() == 1


def test_key_rotation_old_key_still_decrypts() -> None:
    from cryptography.fernet import Fernet

    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    with override_settings(COACHCARE_ENCRYPTION_KEYS=[old_key]):
        token = fields.encrypt_text("111222333")
    with override_settings(COACHCARE_ENCRYPTION_KEYS=[new_key, old_key]):
        assert fields.decrypt_text(token) == "111222333"
    with override_settings(COACHCARE_ENCRYPTION_KEYS=[new_key]), pytest.raises(ImproperlyConfigured):
        fields.decrypt_text(token)


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"]])
def test_bad_key_configuration_is_reported(keys: list[str]) -> None:
    with override_settings(COACHCARE_ENCRYPTION_KEYS=keys), pytest.raises(ImproperlyConfigured):
        fields.encrypt_text("x")


def test_keyed_hash_depends_on_the_hash_key() -> None:
    first = fields.keyed_hash("bsn:111222333")
    with override_settings(COACHCARE_HASH_KEY="another-key"):
        assert fields.keyed_hash("bsn:111222333") != first
    assert len(first) == 64
