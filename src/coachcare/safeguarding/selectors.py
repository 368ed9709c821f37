"""Reads of safeguarding: the crisis numbers a user sees, and the meldcode of a client.

Every read of a meldcode writes the NEN 7513 access log; a client whose meldcode the user may not
see answers ``AccessDenied`` (the views turn it into a 404, the same as a file that does not exist).
"""

import dataclasses
from uuid import UUID

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.core.prepared import PreparedQuery
from coachcare.providers.models import Provider
from coachcare.safeguarding.models import MeldcodeCase, MeldcodeStep, RegisseurNotice
from coachcare.safeguarding.services import AFWEGINGSKADER_FIELDS, afwegingskader_advice


def crisis_providers_for(*, user: object) -> list[Provider]:
    """The providers whose out-of-hours number the crisis page shows this user: a young person's or
    parent's own provider(s). Nobody else (not logged in, professionals) gets one: the general
    numbers only."""
    if not isinstance(user, User) or not policy.sees_crisis_entry(user):
        return []
    return list(
        Provider.objects.filter(clients__in=policy.clients_visible_to(user))
        .exclude(out_of_hours_phone="")
        .distinct()
        .order_by("name")
    )


def meldcode_client_get(*, actor: User, public_id: UUID) -> Client:
    """The client whose meldcode ``actor`` may use (no log: the service that writes logs)."""
    client = (
        policy.clients_visible_to(actor)
        .select_related("team", "coach", "municipality", "provider")
        .filter(public_id=public_id)
        .first()
    )
    if client is None or not policy.can_use_meldcode(actor, client):
        raise policy.AccessDenied("No such client file.")
    return client


def meldcode_cases_for_client(
    *, actor: User, public_id: UUID, access_point: AccessPoint
) -> tuple[Client, list[MeldcodeCase]]:
    """A client's meldcode cases, newest first (with their steps). Logged as a read."""
    client = meldcode_client_get(actor=actor, public_id=public_id)
    cases = list(
        MeldcodeCase.objects.filter(client=client).select_related("opened_by", "team_lead").prefetch_related("steps")
    )
    access_log_record(
        actor=actor, event=Event.READ, action="meldcode.list", client_ids=[client.public_id], access_point=access_point
    )
    return client, cases


@dataclasses.dataclass(frozen=True, kw_only=True)
class MeldcodeCaseView:
    case: MeldcodeCase
    steps: list[MeldcodeStep]
    #: Steps of the five not recorded yet.
    steps_missing: list[int]
    #: What the latest afwegingskader points to (a ``MeldcodeCase.Decision`` value), or "".
    advice: str


def meldcode_case_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> MeldcodeCaseView:
    """One meldcode case with its steps, for its client's coach or team lead. Logged as a read."""

    case = (
        MeldcodeCase.objects.select_related("client__team", "client__coach", "opened_by", "team_lead")
        .filter(public_id=public_id)
        .first()
    )
    if case is None or not policy.can_use_meldcode(actor, case.client):
        raise policy.AccessDenied("No such meldcode case.")
    steps = list(case.steps.select_related("recorded_by"))
    weighed = [step for step in steps if step.step == MeldcodeStep.Step.WEIGH]
    advice = ""
    if weighed:
        latest = weighed[-1]
        advice = afwegingskader_advice({field: getattr(latest, field) for field in AFWEGINGSKADER_FIELDS})
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="meldcode.case",
        client_ids=[case.client.public_id],
        access_point=access_point,
    )
    done = {step.step for step in steps}
    return MeldcodeCaseView(
        case=case,
        steps=steps,
        steps_missing=[value for value in MeldcodeStep.Step.values if value not in done],
        advice=advice,
    )


def meldcode_team_leads(*, client: Client) -> list[User]:
    """The team leads who can be the one involved in a decision about this client."""
    return [
        user
        for user in User.objects.filter(team_id=client.team_id, is_active=True).order_by("last_name", "first_name")
        if policy.can_be_meldcode_team_lead(user, client)
    ]


def regisseur_notices_of(*, trajectory_id: int) -> list[RegisseurNotice]:
    """The content-free notices to a trajectory's regisseur (step up, closure), newest first; one
    query. The caller (the client file) has already checked access and written the log."""
    return _regisseur_notices.all(trajectory_id=trajectory_id)


#: Compiled once per process (``core.prepared``): the client file reads it on every opening.
_regisseur_notices = PreparedQuery(
    lambda trajectory_id: RegisseurNotice.objects.filter(trajectory_id=trajectory_id).order_by("-created_at", "-id"),
    trajectory_id=int,
)
