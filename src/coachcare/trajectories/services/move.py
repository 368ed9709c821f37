"""The woonplaatsbeginsel: a young person moves to another municipality (docs/legal-basis.md,
"Woonplaatsbeginsel"; docs/trajectories.md, "A move").

The municipality of residence pays for youth care. On the day of the move (the first day in the new
municipality) ``client_move``, all or nothing:

- records the change (``clients.MunicipalityChange``) and sets ``Client.municipality``: the only way,
  besides the merger command, to change it;
- ends what runs under the old municipality's contracts: an open request (JW315 not yet answered) is
  withdrawn (status deleted); an approved allocation ends on the day before the move (status ended);
  an allocation that would only start after the move is deleted;
- the module running under an old allocation is interrupted on the day before the move: its stop
  (JW307) carries JZ588 35 "voortijdig afgesloten door externe omstandigheden" (the code list has no
  separate code for a move: docs/ijw.md), it is not declared to the old municipality and its unit is
  given back; the same module runs on at once as a new run in the same trajectory, to be started
  (JW305) under the new municipality's allocation when that is granted;
- requests at the new municipality (JW315 to its code) every module that was open or running at the
  old one;
- keeps the trajectory: same status, same history; its responsible municipality becomes the new one.

The municipality's access team of the old municipality keeps seeing the allocations and declarations
under its own contracts (``access.policy.allocations_visible_to``), nothing of the new period.
"""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client, MunicipalityChange
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import Allocation, AllocationStatus
from coachcare.core.dates import today
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import ACTIVE_STATUSES, EndReason, ModuleRun, Trajectory
from coachcare.trajectories.services._shared import _care_events_changed

#: JZ588 reason of the stop (JW307) of care interrupted by a move: 35 "voortijdig afgesloten door
#: externe omstandigheden" (docs/ijw.md: JZ588 has no code for a move of its own).
MOVE_STOP_REASON = EndReason.EARLY_EXTERNAL


@dataclasses.dataclass(frozen=True, kw_only=True)
class MoveResult:
    """What the move did: the allocations ended or withdrawn at the old municipality, the modules
    interrupted there and the requests (JW315) made at the new one."""

    change: MunicipalityChange
    ended: list[Allocation]
    withdrawn: list[Allocation]
    interrupted: list[ModuleRun]
    requested: list[Allocation]


def client_move_check(*, client: Client, municipality: Municipality, on: datetime.date) -> None:
    """A different, active municipality with a contract with the provider; a date not in the future
    and not before the referral."""
    errors: dict[str, list[str]] = {}
    if municipality.pk == client.municipality_id:
        errors["municipality"] = [_("The young person already lives in this municipality.")]
    elif not municipality.is_active:
        errors["municipality"] = [_("This municipality no longer exists: choose the current one.")]
    elif not contract_selectors.municipality_is_contracted(
        municipality=municipality, provider=client.provider, on=max(on, today())
    ):
        errors["municipality"] = [
            _(
                "%(municipality)s has no valid contract with your organisation: the care cannot be requested "
                "there. Ask your contract manager first."
            )
            % {"municipality": municipality.name}
        ]
    if on > today():
        errors["on"] = [_("Record a move on or after the day it happens, not in advance.")]
    elif on <= client.referred_on:
        errors["on"] = [_("The move must be after the referral date.")]
    if errors:
        raise ValidationError(errors)


def client_move(
    *, actor: User, client: Client, municipality: Municipality, on: datetime.date, access_point: AccessPoint
) -> MoveResult:
    """The young person lives in ``municipality`` from ``on``: end at the old one, request at the new
    one, keep the trajectory. See the module's docstring; all or nothing, access-logged."""
    if not policy.can_move_client(actor, client):
        raise policy.AccessDenied(_("Only the coach or team lead of this young person records a move."))
    client_move_check(client=client, municipality=municipality, on=on)
    last_day = on - datetime.timedelta(days=1)
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        old = locked.municipality
        old_allocations = list(
            Allocation.objects.select_for_update()
            .filter(client=locked, contract__municipality=old)
            .filter(status__in=(AllocationStatus.REQUESTED, AllocationStatus.APPROVED))
            .select_related("product")
            .order_by("requested_at", "id")
        )
        running = list(
            ModuleRun.objects.select_for_update()
            .filter(
                trajectory__client=locked,
                trajectory__status__in=ACTIVE_STATUSES,
                state=ModuleRun.State.RUNNING,
                allocation__contract__municipality=old,
            )
            .select_related("allocation", "module")
        )
        modules_to_request: list[str] = []
        ended: list[Allocation] = []
        withdrawn: list[Allocation] = []
        for allocation in old_allocations:
            code = allocation.product.module_code
            if allocation.status == AllocationStatus.REQUESTED:
                withdrawn.append(allocation)
                modules_to_request.append(code)
                continue
            assert allocation.start_date is not None and allocation.end_date is not None
            if allocation.end_date < on:
                continue  # ended before the move: the old municipality's period, nothing changes
            if allocation.start_date >= on and allocation.volume_used == 0:
                withdrawn.append(allocation)
            else:
                ended.append(allocation)
            if allocation.volume_used < allocation.volume or any(run.allocation_id == allocation.pk for run in running):
                modules_to_request.append(code)
        Allocation.objects.filter(pk__in=[a.pk for a in withdrawn]).update(status=AllocationStatus.DELETED)
        for allocation in ended:
            assert allocation.start_date is not None
            Allocation.objects.filter(pk=allocation.pk).update(
                status=AllocationStatus.ENDED, end_date=max(last_day, allocation.start_date)
            )
        interrupted: list[ModuleRun] = []
        for run in running:
            assert run.allocation is not None
            contract_services.allocation_release(allocation=run.allocation)
            ModuleRun.objects.filter(pk=run.pk).update(
                state=ModuleRun.State.INTERRUPTED,
                finished_on=max(last_day, run.started_on),
                stop_reason=MOVE_STOP_REASON.value,
            )
            sequence = ModuleRun.objects.filter(trajectory_id=run.trajectory_id).count() + 1
            ModuleRun.objects.create(
                trajectory_id=run.trajectory_id,
                module=run.module,
                sequence=sequence,
                allocation=None,
                started_on=on,
                due_on=max(run.due_on, on),
            )
            interrupted.append(run)
        change = MunicipalityChange.objects.create(
            client=locked,
            kind=MunicipalityChange.Kind.MOVE,
            from_municipality=old,
            to_municipality=municipality,
            effective_on=on,
            recorded_by=actor,
        )
        Client.objects.filter(pk=locked.pk).update(municipality=municipality)
        Trajectory.objects.filter(client=locked, status__in=ACTIVE_STATUSES).update(municipality=municipality)
        locked.municipality = municipality
        requested = [
            contract_services.allocation_request(
                actor=actor, client=locked, module_code=code, access_point=access_point
            )
            for code in dict.fromkeys(modules_to_request)
        ]
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="client.move",
            client_ids=[locked.public_id],
            access_point=access_point,
        )
        _care_events_changed()
    client.refresh_from_db()
    return MoveResult(change=change, ended=ended, withdrawn=withdrawn, interrupted=interrupted, requested=requested)


def module_run_allocation_link(*, run: ModuleRun, on: datetime.date) -> ModuleRun:
    """A module that runs on after a move has no allocation until the new municipality grants one:
    link the allocation that covers it from its start (or ``on``) and use one unit, so its start
    (JW305) and declaration (JW323) go to the new municipality. Nothing happens without one."""
    if run.allocation_id is not None:
        return run
    client = run.trajectory.client
    code = run.module.code
    allocation = contract_selectors.allocation_covering(
        client=client, module_code=code, on=run.started_on
    ) or contract_selectors.allocation_covering(client=client, module_code=code, on=on)
    if allocation is None:
        return run
    contract_services.allocation_consume(allocation=allocation, on=max(run.started_on, allocation.start_date or on))
    ModuleRun.objects.filter(pk=run.pk, allocation__isnull=True).update(allocation=allocation)
    run.refresh_from_db()
    _care_events_changed()
    return run
