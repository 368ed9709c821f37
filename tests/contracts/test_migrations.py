"""The data migration that moved the funding model from the contract to its products (issue 18.1)."""

import datetime
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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
    (PostgreSQL) refuse that, so they are dropped just before the flush."""
    yield
    with connection.schema_editor() as editor:
        APPEND_ONLY.reverse(None, editor)


@pytest.mark.usefixtures("_append_only_restored", "_access_log_flushable")
def test_migration_maps_the_contract_funding_model_to_its_products_and_back() -> None:
    executor = MigrationExecutor(connection)
    before = [("contracts", "0006_funding_model_per_product")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    municipality = apps.get_model("municipalities", "Municipality").objects.create(code="9901", name="Oud")
    provider = apps.get_model("providers", "Provider").objects.create(agb_code="99000001", name="Oud")
    other = apps.get_model("providers", "Provider").objects.create(agb_code="99000002", name="Ander")
    contract_model = apps.get_model("contracts", "Contract")
    product_model = apps.get_model("contracts", "ContractProduct")
    per_module = contract_model.objects.create(
        municipality=municipality, provider=provider, funding_model="per_module", valid_from=datetime.date(2026, 1, 1)
    )
    population = contract_model.objects.create(
        municipality=municipality,
        provider=other,
        funding_model="population_budget",
        valid_from=datetime.date(2026, 1, 1),
        yearly_budget_cents=5_000_000,
    )
    for contract in (per_module, population):
        product_model.objects.create(
            contract=contract, module_code="CC-M", ijw_product_category="45", ijw_product_code="45A01", tariff_cents=1
        )

    after = [("contracts", "0008_remove_contract_funding_model")]
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    products = apps.get_model("contracts", "ContractProduct").objects
    assert products.get(contract_id=per_module.pk).funding_model == "outputgericht"
    assert products.get(contract_id=population.pk).funding_model == "taakgericht"

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    contracts = apps.get_model("contracts", "Contract").objects
    assert contracts.get(pk=per_module.pk).funding_model == "per_module"
    assert contracts.get(pk=population.pk).funding_model == "population_budget"

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
