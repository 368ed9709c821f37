"""The pseudonymised research export."""

import csv
import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    Avg,
    F,
    FloatField,
    OuterRef,
    Subquery,
)
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.monitoring import indicators as ind
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import FollowUp, GoalScore, ModuleRun, Trajectory

RESEARCH_COLUMNS = [
    "pseudonym",
    "age_band",
    "municipality_code",
    "status",
    "modules",
    "intake_gbo_mean",
    "final_gbo_mean",
    "final_gas_t",
    "end_reason",
    "satisfaction",
    "renewed_care_6m",
    "renewed_care_12m",
    "duration_weeks",
    "cost_cents",
]
EXPORT_CHUNK = 2000


def research_key() -> bytes:
    key = getattr(settings, "COACHCARE_RESEARCH_KEY", "")
    if not key:
        raise ImproperlyConfigured("Set COACHCARE_RESEARCH_KEY to produce a research export.")
    if key == getattr(settings, "COACHCARE_HASH_KEY", None):
        raise ImproperlyConfigured("COACHCARE_RESEARCH_KEY must differ from COACHCARE_HASH_KEY.")
    return key.encode()


def research_pseudonym(*, bsn_hash: str, key: bytes) -> str:
    """Keyed pseudonym of a young person: HMAC-SHA256 over the (already keyed) BSN hash.

    Stable for the same person and key (also across providers), unlinkable without the key.
    """
    return hmac.new(key, f"coachcare-research:{bsn_hash}".encode(), hashlib.sha256).hexdigest()


def _age_band(age: int | None) -> str:
    if age is None:
        return ""
    return next((code for code, (_l, low, high) in ind.AGE_BANDS.items() if low <= age <= high), "other")


def _bool(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _research_rows(*, municipality_id: int | None, key: bytes) -> Iterator[tuple[list[str], Any]]:
    trajectories = Trajectory.objects.all()
    if municipality_id is not None:
        trajectories = trajectories.filter(client__municipality_id=municipality_id)
    intake = (
        GoalScore.objects.filter(goal__trajectory=OuterRef("pk"), module_run__isnull=True)
        .values("goal__trajectory")
        .annotate(mean=Avg("gbo"))
        .values("mean")
    )
    follow_up = FollowUp.objects.filter(trajectory=OuterRef("pk"))
    rows = (
        trajectories.annotate(
            age=ind.age_at_referral(),
            intake_gbo=Subquery(intake, output_field=FloatField()),
            fu6=Subquery(follow_up.filter(months=6).values("needed_care_again")[:1]),
            fu12=Subquery(follow_up.filter(months=12).values("needed_care_again")[:1]),
            cost_cents=ind.trajectory_cost(),
            bsn_hash=F("client__bsn_hash"),
            municipality_code=F("client__municipality__code"),
            client_public_id=F("client__public_id"),
        )
        .order_by("pk")
        .values(
            "pk", "age", "intake_gbo", "fu6", "fu12", "cost_cents", "bsn_hash", "municipality_code",
            "client_public_id", "status", "final_gbo_mean", "final_gas_t", "end_reason", "satisfaction_score",
            "referred_on", "closed_on",
        )
    )  # fmt: skip
    last_pk = 0
    while True:
        chunk = list(rows.filter(pk__gt=last_pk)[:EXPORT_CHUNK])
        if not chunk:
            return
        last_pk = chunk[-1]["pk"]
        modules: dict[int, list[str]] = {}
        for trajectory_id, code in (
            ModuleRun.objects.filter(trajectory_id__in=[r["pk"] for r in chunk])
            .order_by("trajectory_id", "sequence")
            .values_list("trajectory_id", "module__code")
        ):
            modules.setdefault(trajectory_id, []).append(code)
        for r in chunk:
            weeks = (r["closed_on"] - r["referred_on"]).days / 7 if r["closed_on"] else None
            yield (
                [
                    research_pseudonym(bsn_hash=r["bsn_hash"], key=key),
                    _age_band(r["age"]),
                    r["municipality_code"],
                    "closed" if r["closed_on"] else "open",
                    " ".join(modules.get(r["pk"], [])),
                    _number(r["intake_gbo"]),
                    _number(r["final_gbo_mean"]),
                    _number(r["final_gas_t"], 1),
                    r["end_reason"],
                    _number(r["satisfaction_score"]),
                    _bool(r["fu6"]),
                    _bool(r["fu12"]),
                    _number(weeks, 1),
                    str(r["cost_cents"] or 0),
                ],
                r["client_public_id"],
            )


def research_export(
    *,
    out: IO[str],
    municipality: Municipality | None = None,
    actor: User | None = None,
    address: str = "manage.py research_export",
) -> int:
    """Write the pseudonymised research export (CSV, one row per trajectory) and log an EXPORT
    entry per young person exported. Never the BSN, names, birth date (only the age band), public
    ids or free text. Returns the number of rows."""
    key = research_key()
    writer = csv.writer(out)
    writer.writerow(RESEARCH_COLUMNS)
    count = 0
    logged: list[AccessLogEntry] = []
    now = timezone.now()
    for row, client_public_id in _research_rows(municipality_id=municipality.pk if municipality else None, key=key):
        writer.writerow(row)
        count += 1
        logged.append(
            AccessLogEntry(
                timestamp=now,
                event=AccessLogEntry.Event.EXPORT,
                action="research.export",
                client_public_id=client_public_id,
                user_id=actor.pk if actor else None,
                username=actor.get_username() if actor else "manage.py research_export",
                user_display_name=actor.display_name if actor else "",
                role=actor.role if actor else "",
                channel=AccessLogEntry.Channel.COMMAND,
                access_point=address[:200],
            )
        )
        if len(logged) >= EXPORT_CHUNK:
            AccessLogEntry.objects.bulk_create(logged)
            logged = []
    if logged:
        AccessLogEntry.objects.bulk_create(logged)
    return count


def research_export_to(path: Path, *, municipality: Municipality | None = None) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        return research_export(out=handle, municipality=municipality)
