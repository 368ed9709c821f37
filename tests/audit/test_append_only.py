"""The access log is append-only: in Python and in the database itself (triggers)."""

import pytest
from django.db import DatabaseError, connection, transaction

from coachcare.audit.models import AccessLogEntry
from tests.audit.factories import AccessLogEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> AccessLogEntry:
    return AccessLogEntryFactory.create()


def test_queryset_update_is_refused(entry: AccessLogEntry) -> None:
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.update(username="mallory")
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(username="mallory")


def test_queryset_delete_is_refused(entry: AccessLogEntry) -> None:
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.filter(pk=entry.pk).delete()


def test_instance_save_and_delete_are_refused(entry: AccessLogEntry) -> None:
    entry.username = "mallory"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_raw_sql_update_fails_in_the_database(entry: AccessLogEntry) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accesslogentry SET username = %s", ["mallory"])

    assert AccessLogEntry.objects.get(pk=entry.pk).username == entry.username


def test_raw_sql_delete_fails_in_the_database(entry: AccessLogEntry) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslogentry")

    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_truncate_fails_on_postgresql(entry: AccessLogEntry) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_accesslogentry")

    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_inserting_still_works(entry: AccessLogEntry) -> None:
    AccessLogEntryFactory.create()

    assert AccessLogEntry.objects.count() == 2


def test_admin_refuses_every_change() -> None:
    from django.contrib import admin
    from django.test import RequestFactory

    from tests.accounts.factories import UserFactory

    model_admin = admin.site._registry[AccessLogEntry]
    request = RequestFactory().get("/")
    request.user = UserFactory.create(beheerder=True)

    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
