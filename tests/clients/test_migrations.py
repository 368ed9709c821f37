"""The data migration that turned parental-authority links into family member records."""

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("clients", "0002_client_age_indexes")]
AFTER = [("clients", "0003_family_members_and_contact_details")]
APPEND_ONLY = importlib.import_module("coachcare.audit.migrations.0002_append_only")


@pytest.fixture
def _append_only_restored(django_db_blocker: Any) -> Iterator[None]:
    """Set up before the database and torn down after its flush: the triggers are back for the
    tests that follow."""
    yield
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        APPEND_ONLY.reverse(None, editor)
        APPEND_ONLY.forward(None, editor)


@pytest.fixture
def _access_log_flushable(transactional_db: None) -> Iterator[None]:
    """A transactional test empties every table afterwards; the access log's append-only triggers
    (PostgreSQL) refuse that, so they are dropped just before the flush (as in the browser tests)."""
    yield
    with connection.schema_editor() as editor:
        APPEND_ONLY.reverse(None, editor)


@pytest.mark.usefixtures("_append_only_restored", "_access_log_flushable")
def test_existing_gezag_relations_become_portal_parents_with_their_names() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user_model = old.get_model("accounts", "User")
    client_model = old.get_model("clients", "Client")
    parent = user_model.objects.create(
        username="moeder-migratie", first_name="Ingrid", last_name="Jansen", role="ouder"
    )
    municipality = old.get_model("municipalities", "Municipality").objects.create(code="9001", name="Migratiestad")
    provider = old.get_model("providers", "Provider").objects.create(agb_code="99000001", name="Migratie")
    team = old.get_model("providers", "Team").objects.create(provider=provider, name="Team")
    client = client_model.objects.create(
        bsn="", bsn_hash="migratie", given_name="Fleur", family_name="Jansen", birth_date="2012-01-01",
        municipality=municipality, provider=provider, team=team, referred_on="2026-01-01",
    )  # fmt: skip
    old.get_model("clients", "GezagRelation").objects.create(client=client, parent=parent, has_gezag=True)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    relation = new.get_model("clients", "GezagRelation").objects.get(parent_id=parent.pk)
    assert (relation.given_name, relation.family_name, relation.uses_portal) == ("Ingrid", "Jansen", True)
    assert (relation.kind, relation.gezag_from, relation.gezag_ends_on) == ("parent", None, None)
    migrated_client = new.get_model("clients", "Client").objects.get(pk=client.pk)
    assert (migrated_client.email, migrated_client.mobile) == ("", "")

    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
