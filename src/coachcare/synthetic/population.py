"""Generate a synthetic country: municipalities, providers, teams, coaches and young people.

Deterministic for a seed. Bulk inserts in batches, so hundreds of thousands of young people load
in minutes. BSNs are valid (11-proof) but drawn from numbers starting with 9, and every generated
name is from Faker nl_NL; accounts get an unusable password. This module grows with the domain
(trajectories, sessions, messages, declarations: issue 8).
"""

import dataclasses
import datetime
import random
from collections.abc import Iterator

from django.db import transaction
from faker import Faker

from coachcare.accounts.models import Role, User
from coachcare.clients.models import Client
from coachcare.clients.services import bsn_hash
from coachcare.core.dates import today
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider, Team

BATCH = 5000
CLIENTS_PER_COACH = 40
COACHES_PER_TEAM = 8
TEAMS_PER_PROVIDER = 6
SYNTHETIC_MUNICIPALITIES = 342
SYNTHETIC_CODE_START = 5000  # real CBS codes stay below; synthetic municipalities are 5000 and up


@dataclasses.dataclass(frozen=True, kw_only=True)
class PopulationResult:
    municipalities: int
    providers: int
    teams: int
    coaches: int
    clients: int


def _synthetic_bsns(rng: random.Random, count: int) -> Iterator[str]:
    """Distinct 11-proof BSNs starting with 9 (the test range), in a seeded random order."""
    seen: set[str] = set()
    while len(seen) < count:
        digits = [9, *(rng.randrange(10) for _ in range(7))]
        total = sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2), strict=True))
        check = total % 11
        if check == 10:
            continue
        candidate = "".join(map(str, digits)) + str(check)
        if candidate not in seen:
            seen.add(candidate)
            yield candidate


def _municipality_weights(count: int) -> list[float]:
    """A few large cities and a long tail of small towns (Zipf-like), as in the Netherlands."""
    return [1.0 / (rank**0.9) for rank in range(1, count + 1)]


@transaction.atomic
def population_generate(*, youths: int, seed: int) -> PopulationResult:
    rng = random.Random(seed)
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    on = today()

    existing = set(Municipality.objects.values_list("code", flat=True))
    new_municipalities = [
        Municipality(code=str(SYNTHETIC_CODE_START + i), name=f"Synthetische gemeente {i + 1:03d}")
        for i in range(SYNTHETIC_MUNICIPALITIES)
        if str(SYNTHETIC_CODE_START + i) not in existing
    ]
    Municipality.objects.bulk_create(new_municipalities, batch_size=BATCH)
    municipalities = list(
        Municipality.objects.filter(code__gte=str(SYNTHETIC_CODE_START)).order_by("code")[:SYNTHETIC_MUNICIPALITIES]
    )
    weights = _municipality_weights(len(municipalities))

    coaches_needed = max(1, youths // CLIENTS_PER_COACH)
    teams_needed = max(1, coaches_needed // COACHES_PER_TEAM)
    providers_needed = max(1, teams_needed // TEAMS_PER_PROVIDER)
    provider_offset = Provider.objects.filter(agb_code__startswith="97").count()
    providers = Provider.objects.bulk_create(
        [
            Provider(agb_code=f"97{provider_offset + i:06d}", name=f"Synthetische aanbieder {provider_offset + i + 1}")
            for i in range(providers_needed)
        ],
        batch_size=BATCH,
    )
    teams = Team.objects.bulk_create(
        [Team(provider=providers[i % providers_needed], name=f"Team {i + 1}") for i in range(teams_needed)],
        batch_size=BATCH,
    )
    user_offset = User.objects.filter(username__startswith="synth-coach-").count()
    coaches = User.objects.bulk_create(
        [
            User(
                username=f"synth-coach-{user_offset + i}",
                first_name=fake.first_name(),
                last_name=fake.last_name(),
                role=Role.COACH,
                team=teams[i % teams_needed],
                provider=teams[i % teams_needed].provider,
                password="!",  # unusable: synthetic accounts cannot log in
            )
            for i in range(coaches_needed)
        ],
        batch_size=BATCH,
    )

    bsns = _synthetic_bsns(rng, youths)
    existing_hashes = set(Client.objects.values_list("bsn_hash", flat=True)) if Client.objects.exists() else set()
    created = 0
    batch: list[Client] = []
    for index in range(youths):
        bsn = next(bsns)
        hashed = bsn_hash(bsn)
        if hashed in existing_hashes:
            continue
        age_days = rng.randint(12 * 365 + 3, 23 * 365)
        coach = coaches[index % coaches_needed]
        batch.append(
            Client(
                bsn=bsn,
                bsn_hash=hashed,
                given_name=fake.first_name(),
                family_name=fake.last_name(),
                birth_date=on - datetime.timedelta(days=age_days),
                municipality=rng.choices(municipalities, weights=weights)[0],
                provider=coach.provider,
                team=coach.team,
                coach=coach,
                referred_on=on - datetime.timedelta(days=rng.randint(0, 365)),
            )
        )
        if len(batch) >= BATCH:
            Client.objects.bulk_create(batch)
            created += len(batch)
            batch = []
    if batch:
        Client.objects.bulk_create(batch)
        created += len(batch)
    return PopulationResult(
        municipalities=len(new_municipalities),
        providers=len(providers),
        teams=len(teams),
        coaches=len(coaches),
        clients=created,
    )


__all__ = ["PopulationResult", "population_generate"]
