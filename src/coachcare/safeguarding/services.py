"""Writes of safeguarding: the meldcode steps and the warm hand-off notice.

Each meldcode write checks ``policy.can_use_meldcode`` and writes the NEN 7513 access log in the
same transaction. The hand-off notice is recorded in the closing transaction of a trajectory and
e-mailed after commit by a task; it carries no clinical content.
"""

import datetime
import functools
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.safeguarding.models import HandoffNotice, MeldcodeCase, MeldcodeStep, RegisseurNotice

#: JZ588 end reasons of a step up to other care: 38 continued at another provider, 39 outflow to
#: another domain. A trajectory closed with one of these is handed off to the access team.
HANDOFF_END_REASONS = frozenset({"38", "39"})

#: The afwegingskader's five questions, in order (field names on ``MeldcodeStep``).
AFWEGINGSKADER_FIELDS = ("suspicion", "unsafe", "can_help", "help_accepted", "lasting_safety")


def _require(actor: User, client: Client) -> None:
    if not policy.can_use_meldcode(actor, client):
        raise policy.AccessDenied(_("Only the professionals who treat this young person use the meldcode."))


def meldcode_case_open(*, actor: User, client: Client, access_point: AccessPoint) -> MeldcodeCase:
    """Start the meldcode for a client. One open case at a time: a second one is refused."""
    _require(actor, client)
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()
        if MeldcodeCase.objects.filter(client=client, closed_at__isnull=True).exists():
            raise ValidationError(_("A meldcode case is already open for this young person: continue that one."))
        case = MeldcodeCase.objects.create(client=client, opened_by=actor)
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="meldcode.case_open",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return case


def afwegingskader_advice(answers: Mapping[str, bool | None]) -> str:
    """What the afwegingskader leads to (``MeldcodeCase.Decision`` value), from the five answers.

    No suspicion: no report. Acute or structural unsafety: report. Otherwise a report unless the
    professional can offer or organise help, the people involved accept it and it leads to
    lasting safety; then organise help. Unanswered questions count as "not shown", so toward a report.
    """
    if answers.get("suspicion") is False:
        return MeldcodeCase.Decision.NO_CONCERN
    if answers.get("unsafe") is not False:
        return MeldcodeCase.Decision.REPORT
    if answers.get("can_help") and answers.get("help_accepted") and answers.get("lasting_safety"):
        return MeldcodeCase.Decision.HELP
    return MeldcodeCase.Decision.REPORT


def meldcode_step_record(
    *,
    actor: User,
    case: MeldcodeCase,
    step: int,
    performed_on: datetime.date,
    notes: str,
    access_point: AccessPoint,
    consulted: str = "",
    consulted_name: str = "",
    answers: Mapping[str, bool | None] | None = None,
    decision: str = "",
    team_lead: User | None = None,
) -> MeldcodeStep:
    """Record one step of the meldcode. Step 5 (the decision) closes the case and needs step 4
    (the afwegingskader) first and the client's team lead involved."""
    client = case.client
    _require(actor, client)
    errors: dict[str, list[str]] = {}
    if step not in MeldcodeStep.Step.values:
        errors["step"] = [_("Choose one of the five steps.")]
    if performed_on > today():
        errors["performed_on"] = [_("The date cannot be in the future.")]
    if not notes.strip():
        errors["notes"] = [_("Write down what you did and what you found.")]
    if consulted and consulted not in MeldcodeStep.Consulted.values:
        errors["consulted"] = [_("Choose who you consulted.")]
    if step == MeldcodeStep.Step.CONSULT and not consulted:
        errors["consulted"] = [_("Say who you consulted.")]
    answers = dict(answers or {})
    if step == MeldcodeStep.Step.WEIGH:
        if answers.get("suspicion") is None:
            errors["suspicion"] = [_("Answer the first question of the afwegingskader.")]
        elif answers["suspicion"]:
            for field in AFWEGINGSKADER_FIELDS[1:]:
                if answers.get(field) is None:
                    errors[field] = [_("Answer this question: there is a suspicion.")]
    else:
        answers = {}
    if step == MeldcodeStep.Step.DECIDE:
        if decision not in MeldcodeCase.Decision.values:
            errors["decision"] = [_("Choose the decision.")]
        if team_lead is None or not policy.can_be_meldcode_team_lead(team_lead, client):
            errors["team_lead"] = [_("Choose the team lead of this young person's team who was involved.")]
        if not case.steps.filter(step=MeldcodeStep.Step.WEIGH).exists():
            errors["step"] = [_("Weigh the signals with the afwegingskader (step 4) before you decide.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = MeldcodeCase.objects.select_for_update().get(pk=case.pk)
        if not locked.is_open:
            raise ValidationError(_("This meldcode case is closed: open a new one for new signals."))
        recorded = MeldcodeStep.objects.create(
            case=locked,
            step=step,
            performed_on=performed_on,
            recorded_by=actor,
            notes=notes.strip(),
            consulted=consulted,
            consulted_name=consulted_name.strip() if consulted else "",
            **{field: answers.get(field) for field in AFWEGINGSKADER_FIELDS},
        )
        if step == MeldcodeStep.Step.DECIDE:
            MeldcodeCase.objects.filter(pk=locked.pk).update(
                decision=decision, team_lead=team_lead, closed_at=timezone.now()
            )
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="meldcode.step",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    case.refresh_from_db()
    return recorded


# --- the warm hand-off --------------------------------------------------------------------------------


def handoff_record(*, trajectory_id: int, end_reason: str) -> HandoffNotice | None:
    """Called by ``trajectories.services.trajectory_close`` in its transaction: a closure with end
    reason 38 or 39 (care steps up elsewhere) is handed off to the municipality's access team.
    The notice is e-mailed after commit (``handoff_notify_task``); nothing else is recorded."""
    # Late: safeguarding.tasks imports this module (the task calls handoff_notify).
    from coachcare.safeguarding.tasks import handoff_notify_task

    if end_reason not in HANDOFF_END_REASONS:
        return None
    notice, created = HandoffNotice.objects.get_or_create(
        trajectory_id=trajectory_id, defaults={"end_reason": end_reason}
    )
    if created:
        transaction.on_commit(functools.partial(handoff_notify_task.enqueue, notice.pk))
    return notice


def handoff_notify(*, notice_id: int) -> int:
    """E-mail the access team of the client's municipality that a young person's care steps up
    elsewhere. Idempotent (``notified_at``). The e-mail names no one and holds no clinical text: only
    the end reason code and a link to the file, which the access team may open (administrative part)."""
    with transaction.atomic():
        notice = (
            HandoffNotice.objects.select_for_update(of=("self",))
            .select_related("trajectory__client")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.notified_at is not None:
            return 0
        client = notice.trajectory.client
        link = settings.COACHCARE_BASE_URL.rstrip("/") + reverse("clients:detail", args=[client.public_id])
        sent = 0
        for user in policy.access_team_of(client):
            send_mail(
                _("Care of a resident steps up: warm hand-off"),
                _(
                    "Hello,\n\nA provider closed the Coach & Care trajectory of one of your residents because "
                    "the young person needs other care (iJw end reason %(code)s). Please make sure the "
                    "follow-on care is arranged without a gap.\n"
                    "Log in to see who it is: %(link)s\n\nThis e-mail was sent automatically."
                )
                % {"code": notice.end_reason, "link": link},
                None,
                [user.email],
            )
            sent += 1
        notice.notified_at = timezone.now()
        notice.recipients = sent
        notice.save(update_fields=["notified_at", "recipients"])
    return sent


def regisseur_notice_record(
    *, trajectory_id: int, transition_id: int, end_reason: str, has_regisseur: bool
) -> RegisseurNotice | None:
    """Called by ``trajectories.services.trajectory_close`` in its transaction: when the trajectory
    records a regisseur with an e-mail address (``has_regisseur``, from the locked trajectory row the
    caller holds), one notice for this closure (a step up with 38/39, else a closure), e-mailed
    after commit (``regisseur_notify_task``)."""
    # Late: safeguarding.tasks imports this module (the task calls regisseur_notify).
    from coachcare.safeguarding.tasks import regisseur_notify_task

    if not has_regisseur:
        return None
    kind = RegisseurNotice.Kind.STEP_UP if end_reason in HANDOFF_END_REASONS else RegisseurNotice.Kind.CLOSURE
    notice, created = RegisseurNotice.objects.get_or_create(
        transition_id=transition_id, defaults={"trajectory_id": trajectory_id, "kind": kind, "end_reason": end_reason}
    )
    if created:
        transaction.on_commit(functools.partial(regisseur_notify_task.enqueue, notice.pk))
    return notice


def regisseur_notify(*, notice_id: int) -> int:
    """E-mail the trajectory's regisseur that it closed (or steps up). Idempotent (``notified_at``).
    Content-free: no name, BSN, goals, scores or reasons; the end reason code and a link to the
    client file, which the municipality's access team may open (administrative part)."""
    with transaction.atomic():
        notice = (
            RegisseurNotice.objects.select_for_update(of=("self",))
            .select_related("trajectory__client")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.notified_at is not None:
            return 0
        trajectory = notice.trajectory
        sent = 0
        if trajectory.regisseur_email:
            link = settings.COACHCARE_BASE_URL.rstrip("/") + reverse(
                "clients:detail", args=[trajectory.client.public_id]
            )
            if notice.kind == RegisseurNotice.Kind.STEP_UP:
                subject = _("Care of a resident steps up")
                body = _(
                    "Hello,\n\nYou are the regisseur of a young person whose Coach & Care trajectory was closed "
                    "because other care is needed (iJw end reason %(code)s). Please make sure the follow-on care "
                    "is arranged without a gap.\nLog in to see who it is: %(link)s\n\n"
                    "This e-mail was sent automatically."
                )
            else:
                subject = _("A Coach & Care trajectory was closed")
                body = _(
                    "Hello,\n\nYou are the regisseur of a young person whose Coach & Care trajectory was closed "
                    "(iJw end reason %(code)s).\nLog in to see who it is: %(link)s\n\n"
                    "This e-mail was sent automatically."
                )
            send_mail(subject, body % {"code": notice.end_reason, "link": link}, None, [trajectory.regisseur_email])
            sent = 1
        notice.notified_at = timezone.now()
        notice.save(update_fields=["notified_at"])
    return sent
