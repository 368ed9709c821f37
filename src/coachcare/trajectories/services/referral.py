"""Referral and allocation: a trajectory is opened, registered from a referral, and gets its allocation."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients import services as client_services
from coachcare.clients.models import Client
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts import services as contract_services
from coachcare.core.dates import today
from coachcare.measures.gas import GasConvention
from coachcare.method import selectors as method_selectors
from coachcare.trajectories.deadlines import step_due
from coachcare.trajectories.models import (
    ACTIVE_STATUSES,
    ReferralRoute,
    ReferrerKind,
    Status,
    Trajectory,
)
from coachcare.trajectories.outcome_inputs import outcome_inputs_changed
from coachcare.trajectories.services._shared import _catalogue_order, _locked, _module, _require_writer
from coachcare.trajectories.state_machine import transition_apply


def referral_check(*, referrer_kind: str, referral_route: str) -> None:
    """A legal referrer, and a route only when the municipality referred."""
    if referrer_kind not in ReferrerKind.values:
        raise ValidationError({"referrer_kind": [_("Choose who referred the young person.")]})
    if referral_route and referral_route not in ReferralRoute.values:
        raise ValidationError({"referral_route": [_("Choose a route from the list.")]})
    if referral_route and referrer_kind != ReferrerKind.GEMEENTE:
        raise ValidationError(
            {"referral_route": [_("A route is only recorded when the municipality referred the young person.")]}
        )


def trajectory_open(
    *,
    actor: User,
    client: Client,
    referrer_kind: str,
    referral_route: str = "",
    referrer_name: str = "",
    referred_on: datetime.date | None = None,
    access_point: AccessPoint,
) -> Trajectory:
    """Start a trajectory for a registered young person (aanmelding) on the current method version.

    ``referrer_kind`` is a legal referrer (``ReferrerKind``, the iJw Verwijzer); ``referral_route``
    (``ReferralRoute``) says through which route the municipality referred, and only with
    ``ReferrerKind.GEMEENTE``.
    """
    _require_writer(actor, client)
    referral_check(referrer_kind=referrer_kind, referral_route=referral_route)
    if Trajectory.objects.filter(client=client, status__in=ACTIVE_STATUSES).exists():
        raise ValidationError(_("This young person already has an active trajectory."))
    method_version = method_selectors.method_version_current()
    if method_version is None:
        raise ValidationError(_("No method version is installed: import a method package first."))
    referred_on = referred_on or today()
    client_services.client_eligibility_check(birth_date=client.birth_date, on=referred_on, client=client)
    with transaction.atomic():
        trajectory = Trajectory.objects.create(
            client=client,
            municipality_id=client.municipality_id,
            coach=client.coach,
            referrer_kind=referrer_kind,
            referral_route=referral_route,
            referrer_name=referrer_name.strip(),
            referred_on=referred_on,
            method_version=method_version,
            gas_convention=GasConvention(settings.COACHCARE_GAS_CONVENTION).value,
            next_action="request_allocation",
            next_action_due=step_due(next_action="request_allocation", since=referred_on),
        )
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="trajectory.referral",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
        outcome_inputs_changed(trajectory_ids=[trajectory.pk])  # the waiting times count from the referral
    return trajectory


def trajectory_open_for_referrer(
    *, actor: User, client: Client, referrer: str, access_point: AccessPoint
) -> Trajectory:
    """``trajectory_open`` for the referrer column of the caseload import (``import-clients.md``):
    a legal referrer (``ReferrerKind``), or a route through which the municipality referred
    (``ReferralRoute``: school, wijkteam, zelf, other), which means ``ReferrerKind.GEMEENTE``."""
    kind, route = referrer, ""
    if referrer in ReferralRoute.values:
        kind, route = ReferrerKind.GEMEENTE.value, referrer
    return trajectory_open(
        actor=actor, client=client, referrer_kind=kind, referral_route=route, access_point=access_point
    )


def referral_register(
    *,
    actor: User,
    bsn: str,
    given_name: str,
    family_name: str,
    birth_date: datetime.date,
    municipality: Any,
    referrer_kind: str,
    referral_route: str = "",
    referrer_name: str = "",
    email: str = "",
    mobile: str = "",
    earlier_care_kind: str = "",
    earlier_care_on: datetime.date | None = None,
    earlier_care_ended_on: datetime.date | None = None,
    earlier_care_source: str = "",
    access_point: AccessPoint,
) -> Trajectory:
    """Register a new young person and open their trajectory, all or nothing.

    The ``earlier_care_*`` fields are the evidence of youth care before 18 that makes care from 18
    possible (verlengde jeugdhulp, ``clients.services.client_youth_care_eligibility``)."""
    earlier_care = client_services.earlier_care_clean(
        kind=earlier_care_kind,
        on=earlier_care_on,
        ended_on=earlier_care_ended_on,
        source=earlier_care_source,
        birth_date=birth_date,
    )
    with transaction.atomic():
        client = client_services.client_refer(
            actor=actor,
            bsn=bsn,
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            municipality=municipality,
            email=email,
            mobile=mobile,
            earlier_care=earlier_care,
            access_point=access_point,
        )
        return trajectory_open(
            actor=actor,
            client=client,
            referrer_kind=referrer_kind,
            referral_route=referral_route,
            referrer_name=referrer_name,
            access_point=access_point,
        )


def first_module_code(trajectory: Trajectory) -> str:
    order = _catalogue_order(trajectory)
    if not order:
        raise ValidationError(_("The method version has no modules."))
    return order[0]


def trajectory_request_allocation(
    *, actor: User, trajectory: Trajectory, module_code: str | None = None, access_point: AccessPoint
) -> Any:
    """Ask the municipality for an allocation (JW315) for the next module; under a mandate it is
    granted at once, and a referred trajectory moves on to 'allocated'."""
    _require_writer(actor, trajectory.client)
    code = module_code or (first_module_code(trajectory) if trajectory.status == Status.REFERRED else "")
    if not code:
        raise ValidationError({"module_code": [_("Choose the module.")]})
    _module(trajectory, code)
    with transaction.atomic():
        allocation = contract_services.allocation_request(
            actor=actor, client=trajectory.client, module_code=code, access_point=access_point
        )
        if trajectory.status == Status.REFERRED:
            locked = _locked(trajectory)
            if contract_selectors.allocation_covering(client=locked.client, module_code=code, on=today()):
                transition_apply(
                    trajectory=locked, name="allocate", actor=actor, on=today(), params={"module_code": code}
                )
            else:
                Trajectory.objects.filter(pk=locked.pk).update(
                    next_action="await_allocation",
                    next_action_due=step_due(next_action="await_allocation", since=today()),
                )
            trajectory.refresh_from_db()
    return allocation


def trajectory_allocate(*, actor: User, trajectory: Trajectory, access_point: AccessPoint) -> Trajectory:
    """The allocation for the first module has been granted: move on to the intake."""
    _require_writer(actor, trajectory.client)
    with transaction.atomic():
        locked = _locked(trajectory)
        transition_apply(
            trajectory=locked,
            name="allocate",
            actor=actor,
            on=today(),
            params={"module_code": first_module_code(locked)},
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.allocate",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
    return locked


def trajectory_regisseur_set(
    *,
    actor: User,
    trajectory: Trajectory,
    name: str,
    organisation: str = "",
    email: str = "",
    phone: str = "",
    access_point: AccessPoint,
) -> Trajectory:
    """Record the municipality's regisseur of this young person (name and contact): by the
    treating professionals or the municipality's access team (``policy.can_record_regisseur``).
    Administrative contact data; the regisseur is told without content at a step up and at closure."""
    if not policy.can_record_regisseur(actor, trajectory.client):
        raise policy.AccessDenied(_("Only the treating professionals or the access team record the regisseur."))
    name, organisation, email, phone = name.strip(), organisation.strip(), email.strip(), phone.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the name of the regisseur.")]
    if not email and not phone:
        errors["email"] = [_("Give an e-mail address or a phone number of the regisseur.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Give a valid e-mail address.")]
    if len(name) > 200 or len(organisation) > 200 or len(phone) > 30:
        errors.setdefault("name", []).append(_("The name or phone number is too long."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Trajectory.objects.filter(pk=trajectory.pk).update(
            regisseur_name=name, regisseur_organisation=organisation, regisseur_email=email, regisseur_phone=phone
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.regisseur",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
    trajectory.refresh_from_db()
    return trajectory
