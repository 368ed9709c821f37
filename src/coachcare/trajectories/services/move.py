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
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record, access_log_record_system
from coachcare.clients.models import Client, MunicipalityChange
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import Allocation, AllocationStatus, Contract
from coachcare.core.dates import today
from coachcare.municipalities import services as municipality_services
from coachcare.municipalities.models import Municipality, MunicipalityMerger
from coachcare.trajectories.models import ACTIVE_STATUSES, EndReason, ModuleRun, Trajectory
from coachcare.trajectories.outcome_inputs import outcome_inputs_changed
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
        # The summary's scope is the client's municipality: every trajectory of the client moves with it.
        outcome_inputs_changed(trajectory_ids=Trajectory.objects.filter(client=locked).values_list("pk", flat=True))
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


# --- municipal merger (herindeling) -------------------------------------------------------------


@dataclasses.dataclass(kw_only=True)
class MergeResult:
    """What ``municipality_merge`` did, per kind of thing moved to the new municipality."""

    clients: int = 0
    trajectories: int = 0
    contracts_ended: int = 0
    contracts_created: int = 0
    allocations: int = 0


def municipality_merge_check(
    *, from_codes: list[str], into_code: str, on: datetime.date
) -> tuple[list[Municipality], Municipality]:
    """Every code is a known, active municipality, the new one among them is not an old one, no old
    one was merged before, and the date is not in the future. Every error at once."""
    errors: list[str] = []
    codes = [code.strip().zfill(4) for code in from_codes if code.strip()]
    into_code = into_code.strip().zfill(4)
    if not codes:
        errors.append(_("Give at least one old municipality code."))
    if len(set(codes)) != len(codes):
        errors.append(_("An old municipality code appears twice."))
    known = {m.code: m for m in Municipality.objects.filter(code__in=[*codes, into_code])}
    for code in [*codes, into_code]:
        if not (len(code) == 4 and code.isdigit()):
            errors.append(_("%(code)s is not a CBS municipality code (4 digits).") % {"code": code})
        elif code not in known:
            errors.append(
                _("Municipality %(code)s is unknown: import the CBS list first (import_municipalities).")
                % {"code": code}
            )
    if into_code in codes:
        errors.append(_("The new municipality cannot be one of the old ones."))
    for code in codes:
        municipality = known.get(code)
        if municipality is not None and not municipality.is_active:
            errors.append(_("Municipality %(code)s is no longer active (merged before?).") % {"code": code})
    if into_code in known and not known[into_code].is_active:
        errors.append(_("The new municipality %(code)s is not active.") % {"code": into_code})
    if on > today():
        errors.append(_("Run the merger on or after the day it takes effect, not in advance."))
    if errors:
        raise ValidationError(errors)
    return [known[code] for code in codes], known[into_code]


def _successor_contract(*, contract: Contract, into: Municipality, on: datetime.date) -> tuple[Contract, bool]:
    """The contract of ``into`` with the same provider that takes over from ``on``: an existing one
    valid that day, or a copy of ``contract`` (every field, every product) from ``on`` to its end."""
    existing = contract_selectors.contract_valid_for(municipality=into, provider=contract.provider, on=on)
    if existing is not None:
        return existing, False
    products = list(contract.products.all())
    contract_services.contract_check(
        municipality=into,
        provider=contract.provider,
        mandate=contract.mandate,
        valid_from=on,
        valid_to=contract.valid_to,
        yearly_budget_cents=contract.yearly_budget_cents,
    )
    copy = Contract.objects.get(pk=contract.pk)
    copy.pk = None
    copy.municipality = into
    copy.valid_from = on
    copy._state.adding = True
    copy.save()
    for product in products:
        product.pk = None
        product.contract = copy
        product._state.adding = True
        product.save()
    return copy, True


def municipality_merge(
    *,
    from_codes: list[str],
    into_code: str,
    on: datetime.date,
    access_point: AccessPoint,
    progress: Callable[[str], None] | None = None,
) -> MergeResult:
    """A municipal merger (herindeling): from ``on`` the municipalities ``from_codes`` are part of
    ``into_code``, the legal successor. All or nothing (docs/legal-basis.md, "Herindeling"):

    - each old code is recorded (``MunicipalityMerger``) and made inactive;
    - its residents move to the new municipality (``MunicipalityChange``, kind merger), and so do
      their active trajectories (the responsible municipality); closed trajectories keep the old one;
    - each contract of the old municipality valid on ``on`` ends the day before (or, when it starts
      on or after ``on``, simply becomes the new municipality's); the new municipality's contract with
      that provider valid on ``on`` takes over, or a copy of the old one from ``on``;
    - the open allocations (requested, or approved and running on ``on``) move to that contract with
      the product of the same module, keeping their toewijzing number: the successor takes over the
      running toewijzingen, and their next messages (JW305, JW307, JW323) go to the new code.
      Messages already exchanged (``ijw`` traces) and declarations already made keep the old code;
    - the money follows the contract (``contracts.services.contract_budget_take_over``): the rest of
      the merger year's budget and the later planned years go to the successor, and so do the
      planned lump-sum instalments from ``on`` (one across ``on`` split by days); a part of a
      regional contract hands its budget shares on (``regional_budget_shares_take_over``);
    - the old municipality's region membership ends the day before, and the new one joins that
      region from ``on`` unless it already belongs to it (``municipalities.services.region_memberships_merge``;
      refused when it belongs to another region).

    ``progress`` gets a line per old municipality. NEN 7513: one entry per moved client.
    """
    olds, into = municipality_merge_check(from_codes=from_codes, into_code=into_code, on=on)
    say = progress or (lambda line: None)
    result = MergeResult()
    last_day = on - datetime.timedelta(days=1)
    with transaction.atomic():
        for old in olds:
            MunicipalityMerger.objects.create(old=old, new=into, effective_on=on)
            municipality_services.region_memberships_merge(old=old, into=into, on=on)
            residents = list(Client.objects.select_for_update().filter(municipality=old))
            MunicipalityChange.objects.bulk_create(
                [
                    MunicipalityChange(
                        client=client,
                        kind=MunicipalityChange.Kind.MERGER,
                        from_municipality=old,
                        to_municipality=into,
                        effective_on=on,
                    )
                    for client in residents
                ]
            )
            moved = Client.objects.filter(pk__in=[c.pk for c in residents]).update(municipality=into)
            merged = MunicipalityChange.objects.filter(
                kind=MunicipalityChange.Kind.MERGER, from_municipality=old, to_municipality=into, effective_on=on
            )
            # The summary's scope is the client's municipality: the residents' trajectories move with them.
            outcome_inputs_changed(
                trajectory_ids=Trajectory.objects.filter(client__in=merged.values("client_id")).values_list(
                    "pk", flat=True
                )
            )
            trajectories = Trajectory.objects.filter(municipality=old, status__in=ACTIVE_STATUSES).update(
                municipality=into
            )
            contracts_ended = contracts_created = allocations = 0
            for contract in Contract.objects.filter(municipality=old).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=on)
            ):
                if contract.valid_from >= on:
                    Contract.objects.filter(pk=contract.pk).update(municipality=into)
                    continue
                successor, created = _successor_contract(contract=contract, into=into, on=on)
                Contract.objects.filter(pk=contract.pk).update(valid_to=last_day)
                contracts_ended += 1
                contracts_created += created
                # a part of a regional contract has the regional tariff list
                products = {p.module_code: p for p in contract_selectors.contract_tariff_list(contract=successor)}
                open_allocations = Allocation.objects.filter(contract=contract).filter(
                    Q(status=AllocationStatus.REQUESTED) | Q(status=AllocationStatus.APPROVED, end_date__gte=on)
                )
                for allocation in open_allocations.select_related("product"):
                    product = products.get(allocation.product.module_code)
                    if product is None:
                        raise ValidationError(
                            _(
                                "The contract of %(municipality)s with %(provider)s does not include module "
                                "%(code)s: an open allocation cannot move. Add the product first."
                            )
                            % {
                                "municipality": into.name,
                                "provider": contract.provider.name,
                                "code": allocation.product.module_code,
                            }
                        )
                    Allocation.objects.filter(pk=allocation.pk).update(contract=successor, product=product)
                    allocations += 1
                # then the money follows (the old contract keeps what it granted itself): the budget
                # path, the planned instalments and a regional budget share
                contract_services.contract_budget_take_over(old=contract, successor=successor, copied=created, on=on)
                if contract.part_of_id is not None:
                    contract_services.regional_budget_shares_take_over(
                        old_part=contract, into=into, new_member=created, on=on
                    )
            Municipality.objects.filter(pk=old.pk).update(is_active=False)
            access_log_record_system(
                event=Event.UPDATE,
                action="client.municipality_merge",
                client_ids=[client.public_id for client in residents],
                access_point=access_point,
            )
            result.clients += moved
            result.trajectories += trajectories
            result.contracts_ended += contracts_ended
            result.contracts_created += contracts_created
            result.allocations += allocations
            say(
                f"{old.code} {old.name} -> {into.code} {into.name}: {moved} clients, {trajectories} active "
                f"trajectories, {contracts_ended} contracts ended ({contracts_created} new), {allocations} open "
                "allocations moved"
            )
    return result
