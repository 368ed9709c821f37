"""Writes on clients: referral (aanmelding), notes, parental authority and parent access."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.nl import bsn as stdnum_bsn

from coachcare.access import policy
from coachcare.accounts.models import Role, User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client, ClientNote, GezagRelation, ParentAccessDecision
from coachcare.core.dates import age_on, today
from coachcare.core.fields import keyed_hash
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Team

#: The Coach & Care method serves young people of 12 to 23 (method.md, eligibility at referral).
MIN_AGE = 12
MAX_AGE = 23


def bsn_clean(value: str) -> str:
    """Validate a BSN with the 11-proof (python-stdnum) and return its 9-digit compact form."""
    try:
        return str(stdnum_bsn.validate(value))
    except StdnumValidationError as exc:
        raise ValidationError(
            {"bsn": _("This is not a valid BSN: it must have 9 digits and pass the 11-proof.")}, code="invalid_bsn"
        ) from exc


def bsn_hash(value: str) -> str:
    return keyed_hash(f"bsn:{bsn_clean(value)}")


def client_eligibility_check(*, birth_date: datetime.date, on: datetime.date) -> None:
    age = age_on(birth_date, on)
    if age < MIN_AGE or age > MAX_AGE:
        raise ValidationError(
            {
                "birth_date": _(
                    "Coach & Care is for young people aged %(min)s to %(max)s on the referral date; "
                    "this person is %(age)s."
                )
                % {"min": MIN_AGE, "max": MAX_AGE, "age": age}
            },
            code="age",
        )


def _duplicate_bsn_message() -> str:
    """The same words whether or not anyone else has the BSN: only the own organisation counts."""
    return _("A young person with this BSN is already registered at your organisation.")


def client_refer(
    *,
    actor: User,
    bsn: str,
    given_name: str,
    family_name: str,
    birth_date: datetime.date,
    municipality: Municipality,
    team: Team | None = None,
    coach: User | None = None,
    referred_on: datetime.date | None = None,
    access_point: AccessPoint,
) -> Client:
    """Register a young person (aanmelding). Nothing is saved unless every check passes."""
    if not policy.can_refer(actor):
        raise policy.AccessDenied(_("Only coaches and team leads can register a young person."))
    referred_on = referred_on or today()
    errors: dict[str, list[str]] = {}
    compact_bsn = ""
    try:
        compact_bsn = bsn_clean(bsn)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        client_eligibility_check(birth_date=birth_date, on=referred_on)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not given_name.strip() or not family_name.strip():
        errors.setdefault("family_name", []).append(_("Given name and family name are required."))
    team = team or actor.team
    if team is None or team.provider_id != actor.provider_id:
        errors.setdefault("team", []).append(_("Choose a team of your own organisation."))
    if coach is None and actor.role == Role.COACH:
        coach = actor
    if coach is not None and (coach.role != Role.COACH or coach.provider_id != actor.provider_id):
        errors.setdefault("coach", []).append(_("The coach must work for your organisation."))
    hashed = bsn_hash(compact_bsn) if compact_bsn else ""
    # Only the actor's own organisation is asked: whether the BSN is in care at another provider
    # is none of its business (whatever team was passed in).
    own_provider = actor.provider_id
    if (
        hashed
        and own_provider is not None
        and Client.objects.filter(provider_id=own_provider, bsn_hash=hashed).exists()
    ):
        errors.setdefault("bsn", []).append(_duplicate_bsn_message())
    if errors:
        raise ValidationError(errors)
    assert team is not None
    try:
        with transaction.atomic():
            client = Client.objects.create(
                bsn=compact_bsn,
                bsn_hash=hashed,
                given_name=given_name.strip(),
                family_name=family_name.strip(),
                birth_date=birth_date,
                municipality=municipality,
                provider_id=team.provider_id,
                team=team,
                coach=coach,
                referred_on=referred_on,
            )
            access_log_record(
                actor=actor,
                event=Event.CREATE,
                action="client.referral",
                client_ids=[client.public_id],
                access_point=access_point,
            )
    except IntegrityError as exc:  # a concurrent registration of the same BSN
        raise ValidationError({"bsn": [_duplicate_bsn_message()]}) from exc
    return client


def client_note_add(*, actor: User, client: Client, text: str, access_point: AccessPoint) -> ClientNote:
    if not policy.can_write_clinical(actor, client):
        raise policy.AccessDenied(_("You cannot write in this file."))
    if not text.strip():
        raise ValidationError({"text": [_("A note cannot be empty.")]})
    with transaction.atomic():
        note = ClientNote.objects.create(client=client, author=actor, text=text.strip())
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="client.note",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return note


def gezag_relation_add(*, actor: User, client: Client, parent: User, access_point: AccessPoint) -> GezagRelation:
    if not policy.can_write_clinical(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    if parent.role != Role.OUDER:
        raise ValidationError({"parent": [_("Only a parent account can hold parental authority.")]})
    with transaction.atomic():
        relation, _created = GezagRelation.objects.update_or_create(
            client=client, parent=parent, defaults={"has_gezag": True}
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="client.gezag",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return relation


def parent_access_restrict(
    *, actor: User, client: Client, parent: User, reason: str, access_point: AccessPoint
) -> ParentAccessDecision:
    """The coach limits a parent's inzage for a young person of 12 to 15 because it would harm them."""
    if not policy.can_manage_parent_access(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Record why access would harm the young person.")]})
    with transaction.atomic():
        decision = ParentAccessDecision.objects.create(
            client=client,
            parent=parent,
            kind=ParentAccessDecision.Kind.RESTRICTED,
            reason=reason.strip(),
            recorded_by=actor,
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="client.parent_access",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return decision


def parent_access_consent(
    *, actor: User, client: Client, parent: User, access_point: AccessPoint
) -> ParentAccessDecision:
    """A young person (16 or older) lets a parent see their file."""
    if actor.role != Role.JONGERE or client.user_id != actor.pk:
        raise policy.AccessDenied(_("Only the young person can give this consent."))
    with transaction.atomic():
        decision = ParentAccessDecision.objects.create(
            client=client, parent=parent, kind=ParentAccessDecision.Kind.CONSENTED, recorded_by=actor
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="client.parent_access",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return decision


def parent_access_revoke(*, actor: User, decision: ParentAccessDecision, access_point: AccessPoint) -> None:
    allowed = (decision.kind == ParentAccessDecision.Kind.CONSENTED and decision.client.user_id == actor.pk) or (
        decision.kind == ParentAccessDecision.Kind.RESTRICTED
        and policy.can_manage_parent_access(actor, decision.client)
    )
    if not allowed:
        raise policy.AccessDenied(_("You cannot change this decision."))
    with transaction.atomic():
        ParentAccessDecision.objects.filter(pk=decision.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="client.parent_access",
            client_ids=[decision.client.public_id],
            access_point=access_point,
        )
