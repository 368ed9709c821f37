"""Issue 18.1: the funding model moves from the contract to each contract product.

Forward: a ``per_module`` contract's products become output-based (outputgericht), a
``population_budget`` contract's products task-based (taakgericht). Backward: a contract with a
task-based product becomes ``population_budget`` (with the first planned year as its yearly budget
when it had none), any other ``per_module``.
"""

from typing import Any

from django.db import migrations


def forward(apps: Any, schema_editor: Any) -> None:
    Contract = apps.get_model("contracts", "Contract")
    ContractProduct = apps.get_model("contracts", "ContractProduct")
    population = Contract.objects.filter(funding_model="population_budget").values("pk")
    ContractProduct.objects.filter(contract__in=population).update(funding_model="taakgericht")
    ContractProduct.objects.exclude(contract__in=population).update(funding_model="outputgericht")


def backward(apps: Any, schema_editor: Any) -> None:
    Contract = apps.get_model("contracts", "Contract")
    ContractBudgetYear = apps.get_model("contracts", "ContractBudgetYear")
    task = Contract.objects.filter(products__funding_model="taakgericht").distinct()
    for contract in task:
        if contract.yearly_budget_cents is None:
            first = ContractBudgetYear.objects.filter(contract=contract).order_by("year").first()
            contract.yearly_budget_cents = first.planned_cents if first is not None else 0
        contract.funding_model = "population_budget"
        contract.save(update_fields=["funding_model", "yearly_budget_cents"])
    Contract.objects.exclude(pk__in=task.values("pk")).update(funding_model="per_module")


class Migration(migrations.Migration):
    dependencies = [("contracts", "0006_funding_model_per_product")]

    operations = [migrations.RunPython(forward, backward)]
