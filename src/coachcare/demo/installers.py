"""Demo installers: the demo method package, contracts with one open request, and a message thread.

They write through the domain apps' services (and, for demo messages with a past time stamp, the
messaging models directly). Only ``demo.seed`` and the tests use them."""

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.contracts.models import Allocation
from coachcare.contracts.selectors import contract_valid_for
from coachcare.contracts.services import allocation_request, contract_create, contract_product_add
from coachcare.core.dates import today
from coachcare.messaging.models import Message, Thread
from coachcare.messaging.services import thread_for
from coachcare.method.models import MethodVersion
from coachcare.method.services import ImportResult, method_package_import
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider

#: The demo method package (docs/method-package.md): four complete modules.
DEMO_PACKAGE_PATH = Path(__file__).resolve().parent / "data" / "coach-and-care-demo.json"


def method_demo_package_install() -> ImportResult | None:
    """Import the project's demo package unless its version is already installed (demo data)."""
    data = json.loads(DEMO_PACKAGE_PATH.read_text(encoding="utf-8"))
    if MethodVersion.objects.filter(version=data["package"]["version"]).exists():
        return None
    return method_package_import(data=data)


#: (module code of the demo method package, iJw product code, tariff in cents); category 45.
DEMO_PRODUCTS = [
    ("CC-KENNISMAKING", "45A01", 125_000),
    ("CC-DAGRITME", "45A02", 145_000),
    ("CC-COMMUNICATIE-THUIS", "45A03", 145_000),
    ("CC-ZELFSTANDIG-VERDER", "45A04", 145_000),
]
#: (CBS code, mandate, yearly budget in cents): Utrecht with a mandate and € 1.800.000 (it carries the
#: demo's two years of history, ``demo.seed``), Amsterdam without.
DEMO_CONTRACTS = [("0344", True, 180_000_000), ("0363", False, None)]
#: The demo contracts run from 1 January this many years back (the history needs them).
DEMO_CONTRACT_YEARS = 3


@transaction.atomic
def contract_demo_install(*, provider: Provider, coach: User, pending_for: Client, access_point: AccessPoint) -> None:
    """Demo contracts (output-based products, from 1 January three years back) and one open request. Idempotent."""
    on = today()
    for code, mandate, budget in DEMO_CONTRACTS:
        municipality = Municipality.objects.get(code=code)
        contract = contract_valid_for(municipality=municipality, provider=provider, on=on)
        if contract is None:
            contract = contract_create(
                municipality=municipality,
                provider=provider,
                valid_from=datetime.date(on.year - DEMO_CONTRACT_YEARS, 1, 1),
                mandate=mandate,
                yearly_budget_cents=budget,
            )
        for module_code, product_code, tariff in DEMO_PRODUCTS:
            if not contract.products.filter(module_code=module_code).exists():
                contract_product_add(
                    contract=contract,
                    module_code=module_code,
                    tariff_cents=tariff,
                    ijw_product_category="45",
                    ijw_product_code=product_code,
                )
    if not Allocation.objects.filter(client=pending_for).exists():
        allocation_request(actor=coach, client=pending_for, module_code=DEMO_PRODUCTS[0][0], access_point=access_point)


def messages_demo_install(*, client: Client, coach: User, parent: User | None, access_point: AccessPoint) -> None:
    """Demo data: a youth thread with two messages and a parent thread. Idempotent; no e-mails."""
    thread = thread_for(actor=coach, client=client, kind=Thread.Kind.YOUTH, access_point=access_point)
    if client.user is not None and not thread.thread_messages.exists():
        now = timezone.now()
        Message.objects.create(
            thread=thread,
            author=coach,
            body=_("Hi! Shall we meet on Tuesday at 4 pm? Let me know if that suits you."),
            created_at=now - datetime.timedelta(hours=2),
            notified_at=now,
        )
        Message.objects.create(
            thread=thread,
            author=client.user,
            body=_("Tuesday is fine. See you then!"),
            created_at=now - datetime.timedelta(hours=1),
            notified_at=now,
        )
    if parent is not None:
        thread_for(actor=coach, client=client, kind=Thread.Kind.PARENT, parent=parent, access_point=access_point)
