"""Deterministic demo data: organisations, the demo accounts and a small caseload, and (``history``)
two years of the demo municipality's history.

Ages are relative to today (``jongere15`` is 15 today, whenever the demo is loaded). Running it
again changes nothing that already exists, except that demo passwords and TOTP secrets are reset.

The history (``demo_history_install``) is written by the synthetic population generator
(``demo.synthetic``) into Utrecht and the demo provider: young people referred over the last two
years (and earlier trajectories of some of them) with modules, goal scores, gate evaluations, end
reasons, the answers at closure per informant, follow-ups at 6 and 12 months, allocations and
declarations, sessions, messages and diary entries; enough closed trajectories per quarter that the
municipality's dashboard and evidence report show figures instead of suppressed cells. Their coaches
are ``demo-coach-<n>`` in Team Utrecht (no usable password); the named demo accounts keep their own
small caseload. Fixed seed: the same history for the same day.
"""

import dataclasses
import datetime
import random
import time
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from stdnum.nl import bsn as stdnum_bsn

from coachcare.accounts.models import Role, User
from coachcare.accounts.services import role_permissions_apply, totp_device_set, user_create
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client, EarlierCareKind, GezagRelation
from coachcare.clients.services import (
    JEUGDWET_ADULT_AGE,
    CarerDetails,
    EarlierCare,
    birth_date_add_years,
    bsn_hash,
    carer_add,
    client_refer,
    gezag_relation_add,
)
from coachcare.coaching.models import Appointment, DiaryEntry
from coachcare.coaching.services import appointment_create, diary_entry_add
from coachcare.contracts.selectors import contract_valid_for
from coachcare.core.dates import today, years_before
from coachcare.demo.installers import contract_demo_install, messages_demo_install, method_demo_package_install
from coachcare.demo.synthetic.plan import CLOSED_ANY
from coachcare.demo.synthetic.population import Into, population_generate
from coachcare.measures.services import questionnaire_builtin_install
from coachcare.method.selectors import method_version_current
from coachcare.monitoring.models import Pilot, ReferenceCost
from coachcare.monitoring.services import (
    pilot_comparison_import,
    pilot_confirm,
    pilot_create,
    pilot_start,
    reference_cost_set,
)
from coachcare.municipalities.models import Municipality
from coachcare.municipalities.services import municipalities_import_csv
from coachcare.providers.models import Provider, Team
from coachcare.trajectories.models import ReferralRoute, ReferrerKind
from coachcare.trajectories.services import trajectory_open

DEMO_PASSWORD = "demo-coachcare-2026"
#: Documented in README.md so anyone can add the demo accounts to an authenticator app.
DEMO_TOTP_SECRET = "MNXWCY3IMNQXEZJNMRSW23ZNORXXI4BB"
DEMO_PROVIDER_NAME = "Coach & Care Demo"
DEMO_PROVIDER_AGB = "98000001"
DEMO_MUNICIPALITY_CODE = "0344"  # Utrecht
MUNICIPALITY_CSV = Path(__file__).resolve().parent / "data" / "demo_municipalities.csv"
#: Young people in the demo municipality's history (``make demo``; ``seed_demo --history``).
DEMO_HISTORY_YOUTHS = 800
DEMO_HISTORY_SEED = 2026
DEMO_HISTORY_PREFIX = "demo"
#: Where the history's trajectories stand today. Unlike the national mix (``plan.STATUS_MIX``),
#: nearly three quarters are closed, on days spread evenly over the last two years (``CLOSED_ANY``:
#: the status follows from the date), so every quarter has about as many closures.
DEMO_HISTORY_STATUSES: tuple[tuple[str, int], ...] = (
    ("referred", 3),
    ("allocated", 2),
    ("intake", 3),
    ("module_running", 16),
    ("module_evaluation", 4),
    (CLOSED_ANY, 72),
)


def demo_bsns(count: int) -> list[str]:
    """Valid (11-proof) BSNs from the range reserved for testing (999990000 and up)."""
    found: list[str] = []
    number = 999990000
    while len(found) < count:
        candidate = str(number)
        if stdnum_bsn.is_valid(candidate):
            found.append(candidate)
        number += 1
    return found


def _years_ago(years: int, days: int) -> datetime.date:
    return years_before(today(), years) - datetime.timedelta(days=days)


@dataclasses.dataclass(frozen=True)
class DemoClient:
    username: str | None
    given_name: str
    family_name: str
    years: int
    days: int
    municipality_code: str = DEMO_MUNICIPALITY_CODE


DEMO_CLIENTS = [
    DemoClient("jongere15", "Sanne", "de Vries", 15, 100),
    DemoClient("jongere17", "Mohammed", "El Amrani", 17, 200),
    DemoClient(None, "Lotte", "Jansen", 13, 40),
    DemoClient(None, "Daan", "Bakker", 14, 300),
    DemoClient(None, "Noah", "Visser", 16, 15),
    DemoClient(None, "Emma", "Smit", 19, 120),
    DemoClient(None, "Yara", "Meijer", 12, 200),
    DemoClient(None, "Milan", "de Boer", 21, 90),
    DemoClient(None, "Sophie", "Mulder", 18, 30),
    DemoClient(None, "Finn", "de Groot", 15, 250),
    DemoClient(None, "Aya", "Bos", 22, 10, "0363"),
]


def _user(username: str, role: Role, first: str, last: str, **links: object) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.coachcare.invalid",
            **links,  # type: ignore[arg-type]
        )
    else:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        role_permissions_apply(user=user)
    if user.is_professional:
        totp_device_set(user=user, base32_secret=DEMO_TOTP_SECRET)
    return user


def _demo_trajectories(*, provider: Provider, coach: User, access_point: AccessPoint) -> None:
    """Every demo young person has a trajectory (referred, the caseload shows trajectories)."""
    for client in Client.objects.filter(provider=provider).exclude(trajectories__isnull=False).order_by("id"):
        trajectory_open(
            actor=coach,
            client=client,
            referrer_kind=ReferrerKind.GEMEENTE,
            referral_route=ReferralRoute.WIJKTEAM,
            referred_on=client.referred_on,
            access_point=access_point,
        )


#: Family members without an account for the other demo young people under 16, so none of them is
#: stuck on a missing parent: (given name of the young person, kind, given name, family name,
#: organisation). They consent in person or on paper, recorded by the coach.
DEMO_FAMILIES = [
    ("Lotte", GezagRelation.Kind.MOTHER, "Ingrid", "Jansen", ""),
    ("Daan", GezagRelation.Kind.FATHER, "Peter", "Bakker", ""),
    ("Daan", GezagRelation.Kind.MOTHER, "Anouk", "Bakker", ""),
    ("Yara", GezagRelation.Kind.GI, "", "", "Samen Veilig Midden-Nederland"),
    ("Finn", GezagRelation.Kind.MOTHER, "Karin", "de Groot", ""),
]


def _demo_families(*, provider: Provider, coach: User, access_point: AccessPoint) -> None:
    """Record the demo family members (once: a young person who has any family member is skipped)."""
    for given_name, kind, carer_given, carer_family, organisation in DEMO_FAMILIES:
        client = Client.objects.filter(provider=provider, given_name=given_name).first()
        if client is None or GezagRelation.objects.filter(client=client, kind=kind).exists():
            continue
        carer_add(
            actor=coach,
            client=client,
            details=CarerDetails(
                kind=kind, given_name=carer_given, family_name=carer_family, organisation_name=organisation
            ),
            has_gezag=True,
            gezag_from=client.birth_date,
            gezag_source="Uittreksel gezagsregister (demo)",
            access_point=access_point,
        )


def _demo_portal(*, coach: User, access_point: AccessPoint) -> None:
    """jongere15's portal: one upcoming appointment (parents invited) and one diary check-in."""
    client = Client.objects.filter(user__username="jongere15").select_related("user").first()
    if client is None or client.user is None:
        return
    if not Appointment.objects.filter(client=client).exists():
        start = (timezone.localtime() + datetime.timedelta(days=7)).replace(hour=15, minute=30, second=0, microsecond=0)
        appointment_create(
            actor=coach,
            client=client,
            trajectory=client.trajectories.order_by("-created_at").first(),
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            kind=Appointment.Kind.OFFLINE,
            location="Coach & Care, Oudegracht 1, Utrecht",
            title="Gesprek met je coach",
            with_parents=True,
            access_point=access_point,
        )
    if not DiaryEntry.objects.filter(client=client).exists():
        diary_entry_add(
            actor=client.user, client=client, mood=4, text="Vandaag ging het goed op school.", access_point=access_point
        )


def demo_history_install(
    *,
    youths: int,
    provider: Provider,
    team: Team,
    lead: User,
    toegang: User,
    on: datetime.date | None = None,
    report: Callable[[str], None] | None = None,
) -> int:
    """The demo municipality's history (module docstring): ``youths`` young people, once, as it stands
    on ``on`` (default: today). Returns how many young people were created (0 when the history is
    there already)."""
    if youths < 1 or User.objects.filter(username=f"{DEMO_HISTORY_PREFIX}-coach-1").exists():
        return 0
    municipality = Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)
    contract = contract_valid_for(municipality=municipality, provider=provider, on=today())
    version = method_version_current()
    if contract is None or version is None:
        raise RuntimeError("The demo history needs the demo contract of Utrecht and the demo method.")
    products = {product.module_code: (product.pk, product.tariff_cents) for product in contract.products.all()}
    into = Into(
        municipality_id=municipality.pk,
        municipality_code=municipality.code,
        provider_id=provider.pk,
        team_id=team.pk,
        lead_id=lead.pk,
        toegang_id=toegang.pk,
        contract_id=contract.pk,
        mandate=contract.mandate,
        products=[products[module.code] for module in version.modules.order_by("sequence", "id")],
        username_prefix=DEMO_HISTORY_PREFIX,
        status_choices=DEMO_HISTORY_STATUSES,
    )
    result = population_generate(youths=youths, seed=DEMO_HISTORY_SEED, on=on, into=into, report=report)
    return result.clients


@transaction.atomic
def seed_demo(*, history: int = 0, report: Callable[[str], None] | None = None) -> dict[str, int]:
    """The demo organisations, accounts and caseload; with ``history`` young people, also the demo
    municipality's history (``demo_history_install``). ``report`` receives a line per stage."""
    started = time.perf_counter()

    def stage(name: str) -> None:
        if report is not None:
            report(f"{name} ({time.perf_counter() - started:.1f} s)")

    municipalities_import_csv(text=MUNICIPALITY_CSV.read_text(encoding="utf-8"))
    method_demo_package_install()
    questionnaire_builtin_install()
    utrecht = Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)
    provider, _ = Provider.objects.get_or_create(agb_code=DEMO_PROVIDER_AGB, defaults={"name": DEMO_PROVIDER_NAME})
    team, _ = Team.objects.get_or_create(provider=provider, name="Team Utrecht")
    Team.objects.get_or_create(provider=provider, name="Team Amsterdam")
    stage("municipalities, method, questionnaires, provider")

    _user("beheerder", Role.BEHEERDER, "Bea", "Beheer")
    _user("beheerder-aanbieder", Role.BEHEERDER, "Anouk", "Aanbieder", provider=provider)
    _user("beheerder-gemeente", Role.BEHEERDER, "Gijs", "Gemeente", municipality=utrecht)
    coach = _user("coach", Role.COACH, "Chris", "Coach", team=team)
    lead = _user("teamleider", Role.TEAMLEIDER, "Tamara", "Teamleider", team=team)
    toegang = _user("toegang", Role.GEMEENTE_TOEGANG, "Tom", "Toegang", municipality=utrecht)
    _user("beleid", Role.GEMEENTE_BELEID, "Bram", "Beleid", municipality=utrecht)
    ouder = _user("ouder", Role.OUDER, "Olga", "de Vries")

    access_point = AccessPoint.command("seed_demo")
    created = 0
    for demo, bsn in zip(DEMO_CLIENTS, demo_bsns(len(DEMO_CLIENTS)), strict=True):
        client = Client.objects.filter(provider=provider, bsn_hash=bsn_hash(bsn)).first()
        if client is None:
            birth_date = _years_ago(demo.years, demo.days)
            # From 18 only verlengde jeugdhulp (docs/legal-basis.md): the demo's adults had care from 16.
            earlier_care = (
                EarlierCare(
                    kind=EarlierCareKind.STARTED,
                    on=birth_date_add_years(birth_date, 16),
                    source="Demo: beschikking gemeente, jeugdhulp gestart vóór 18",
                )
                if demo.years >= JEUGDWET_ADULT_AGE
                else None
            )
            client = client_refer(
                actor=coach,
                bsn=bsn,
                given_name=demo.given_name,
                family_name=demo.family_name,
                birth_date=birth_date,
                municipality=Municipality.objects.get(code=demo.municipality_code),
                referred_on=today() - datetime.timedelta(days=30),
                earlier_care=earlier_care,
                access_point=access_point,
            )
            created += 1
        if demo.username is not None:
            account = _user(demo.username, Role.JONGERE, demo.given_name, demo.family_name)
            if client.user_id != account.pk:
                Client.objects.filter(pk=client.pk).update(user=account)
                client.user = account
        if demo.username == "jongere15" and not GezagRelation.objects.filter(client=client, parent=ouder).exists():
            gezag_relation_add(actor=coach, client=client, parent=ouder, access_point=access_point)
        if demo.username == "jongere15":
            messages_demo_install(client=client, coach=coach, parent=ouder, access_point=access_point)
    pending = Client.objects.get(provider=provider, given_name="Lotte", family_name="Jansen")
    contract_demo_install(provider=provider, coach=coach, pending_for=pending, access_point=access_point)
    _demo_trajectories(provider=provider, coach=coach, access_point=access_point)
    _demo_families(provider=provider, coach=coach, access_point=access_point)
    _demo_portal(coach=coach, access_point=access_point)
    stage("demo accounts and their young people")
    history_created = demo_history_install(
        youths=history, provider=provider, team=team, lead=lead, toegang=toegang, report=report
    )
    if history:
        stage("history of the demo municipality")
    _demo_reference_cost()
    _demo_pilot(provider=provider)
    return {
        "clients_created": created,
        "history_clients_created": history_created,
        "users": User.objects.count(),
        "clients": Client.objects.count(),
    }


#: The demo municipality's reference cost per successful trajectory (what usual care costs it), so
#: page 1 of the evidence report compares the cost with something. A demo figure, not a real one.
DEMO_REFERENCE_COST_CENTS = 750_000


def _demo_reference_cost() -> None:
    """Utrecht's policy officer records the reference cost once (kept when it is already set)."""
    utrecht = Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)
    if ReferenceCost.objects.filter(municipality=utrecht).exists():
        return
    reference_cost_set(
        actor=User.objects.get(username="beleid"),
        municipality=utrecht,
        amount_cents=DEMO_REFERENCE_COST_CENTS,
        description="demo: de kosten van een vergelijkbaar traject in de gewone jeugdhulp, een voorbeeldbedrag",
    )


#: The demo pilot (docs/pilots.md, "The demo pilot"). Its comparison group is SYNTHETIC: generated
#: here with a fixed seed, not data of any real provider; the name and target group say so.
DEMO_PILOT_NAME = "Demo-pilot Coach & Care Utrecht (synthetische vergelijkingsgroep)"
DEMO_PILOT_SEED = 2026
#: Synthetic usual care: trajectories, the share that ends early (JZ588 32-35), duration and cost.
DEMO_COMPARISON_SIZE = 400
DEMO_COMPARISON_DROPOUT = 0.35
DEMO_COMPARISON_DAYS = (220, 90)  # mean, standard deviation
DEMO_COMPARISON_COST_EUROS = (6000, 2000)


def demo_comparison_csv(*, on: datetime.date) -> bytes:
    """The demo pilot's synthetic usual-care file (``import_comparison`` columns), the same for the
    same day: trajectories ending in the two years before ``on``."""
    rng = random.Random(DEMO_PILOT_SEED)
    lines = ["start,end,end_reason,product_category,cost"]
    for _number in range(DEMO_COMPARISON_SIZE):
        days = max(14, round(rng.gauss(*DEMO_COMPARISON_DAYS)))
        end = on - datetime.timedelta(days=rng.randrange(1, 730))
        reason = rng.choice(("32", "33", "34", "35")) if rng.random() < DEMO_COMPARISON_DROPOUT else "31"
        cost = max(500.0, rng.gauss(*DEMO_COMPARISON_COST_EUROS))
        lines.append(f"{end - datetime.timedelta(days=days)},{end},{reason},45,{cost:.2f}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _demo_pilot(*, provider: Provider) -> None:
    """Utrecht and the demo provider agree on a pilot over the history's two years, both confirm it,
    it starts (frozen: "vooraf vastgelegd") and gets its synthetic comparison group. Once."""
    utrecht = Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)
    if Pilot.objects.filter(municipality=utrecht, provider=provider, name=DEMO_PILOT_NAME).exists():
        return
    beleid, lead = User.objects.get(username="beleid"), User.objects.get(username="teamleider")
    on = today()
    pilot = pilot_create(
        actor=beleid,
        municipality=utrecht,
        provider=provider,
        name=DEMO_PILOT_NAME,
        period_from=on - datetime.timedelta(days=730),
        period_to=on,
        target_group="demo: jongeren in Utrecht die naar Coach & Care zijn verwezen; "
        "de vergelijkingsgroep (gewone jeugdhulp) is synthetisch",
        planned_young_people=300,
        primary_outcomes=["dropout", "duration"],
        secondary_outcomes=["cost"],
        planned_effects={"dropout": -0.10, "duration": -30},
        reference_cost_cents=DEMO_REFERENCE_COST_CENTS,
    )
    pilot_confirm(actor=beleid, pilot=pilot)
    pilot_confirm(actor=lead, pilot=pilot)
    pilot = pilot_start(actor=lead, pilot=pilot)
    pilot_comparison_import(pilot=pilot, data=demo_comparison_csv(on=on))
