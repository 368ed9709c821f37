"""Writes on clients: referral (aanmelding), contact details, notes, family members (gezinsleden)
and their gezag, parent access."""

import dataclasses
import datetime
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.nl import bsn as stdnum_bsn

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client, ClientNote, FileSeen, GezagChange, GezagRelation, ParentAccessDecision
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


def email_clean(value: str, *, field: str = "email") -> str:
    """A valid e-mail address (lower-case domain), or "" for none."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError({field: [_("Enter a valid e-mail address, for example naam@voorbeeld.nl.")]}) from exc
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def mobile_clean(value: str, *, field: str = "mobile") -> str:
    """A mobile number in E.164 (+31612345678), or "" for none. Dutch numbers may be typed without
    the country code (06 12345678); foreign numbers need it (+32 470 12 34 56)."""
    value = (value or "").strip()
    if not value:
        return ""
    message = _("Enter a valid mobile number, for example 06 12345678 or +32 470 12 34 56.")
    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError({field: [message]}) from exc
    mobile_types = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in mobile_types:
        raise ValidationError({field: [message]})
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _contact_clean(*, email: str, mobile: str, errors: dict[str, list[str]]) -> tuple[str, str]:
    """Clean both contact fields, collecting their errors in ``errors`` (field names "email", "mobile")."""
    try:
        email = email_clean(email)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        mobile = mobile_clean(mobile)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    return email, mobile


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
    email: str = "",
    mobile: str = "",
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
    email, mobile = _contact_clean(email=email, mobile=mobile, errors=errors)
    team = team or actor.team
    if team is None or team.provider_id != actor.provider_id:
        errors.setdefault("team", []).append(_("Choose a team of your own organisation."))
    if coach is None and policy.is_coach(actor):
        coach = actor
    if coach is not None and (not policy.is_coach(coach) or coach.provider_id != actor.provider_id):
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
                email=email,
                mobile=mobile,
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
        raise policy.Refused(_("You cannot write in this file."))
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


def client_contact_update(*, actor: User, client: Client, email: str, mobile: str, access_point: AccessPoint) -> Client:
    """The coach records the young person's e-mail address and mobile number (validated)."""
    if not policy.can_manage_family(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    errors: dict[str, list[str]] = {}
    email, mobile = _contact_clean(email=email, mobile=mobile, errors=errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(email=email, mobile=mobile)
        client.email, client.mobile = email, mobile
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="client.contact",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return client


def gezag_relation_add(*, actor: User, client: Client, parent: User, access_point: AccessPoint) -> GezagRelation:
    """Link a parent account to the young person as a family member with gezag (demo data, load
    tests, the synthetic population; the screens use ``carer_add``)."""
    if not policy.can_write_clinical(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    if not policy.is_parent(parent):
        raise ValidationError({"parent": [_("Only a parent account can hold parental authority.")]})
    with transaction.atomic():
        relation, _created = GezagRelation.objects.update_or_create(
            client=client,
            parent=parent,
            defaults={"has_gezag": True, "gezag_ends_on": None, "uses_portal": True},
            create_defaults={
                "has_gezag": True,
                "uses_portal": True,
                "given_name": parent.first_name[:100],
                "family_name": parent.last_name[:150],
            },
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="client.gezag",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return relation


@dataclasses.dataclass(frozen=True, kw_only=True)
class CarerDetails:
    """What the coach records about a family member (see ``GezagRelation``)."""

    kind: str
    given_name: str = ""
    family_name: str = ""
    organisation_name: str = ""
    email: str = ""
    mobile: str = ""
    bsn: str = ""
    uses_portal: bool = False


def _carer_clean(details: CarerDetails, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The validated fields of a family member; every error goes into ``errors`` per field."""
    is_gi = details.kind == GezagRelation.Kind.GI
    if details.kind not in GezagRelation.Kind.values:
        errors["kind"] = [_("Choose the relation to the young person.")]
    organisation_name = details.organisation_name.strip()
    if is_gi and not organisation_name:
        errors["organisation_name"] = [_("Enter the name of the gecertificeerde instelling.")]
    if not is_gi and not details.family_name.strip():
        errors["family_name"] = [_("Enter the family name.")]
    email, mobile = _contact_clean(email=details.email, mobile=details.mobile, errors=errors)
    bsn = ""
    if details.bsn.strip():
        if is_gi:
            errors["bsn"] = [_("An organisation has no BSN.")]
        else:
            try:
                bsn = bsn_clean(details.bsn)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if is_gi and details.uses_portal:
        errors["uses_portal"] = [
            _("A gecertificeerde instelling does not use the portal: record its consent on paper.")
        ]
    return {
        "kind": details.kind,
        "given_name": details.given_name.strip(),
        "family_name": details.family_name.strip(),
        "organisation_name": organisation_name if is_gi else "",
        "email": email,
        "mobile": mobile,
        "bsn": bsn,
        "bsn_hash": bsn_hash(bsn) if bsn else "",
        "uses_portal": details.uses_portal,
    }


def _gezag_clean(
    *, on: datetime.date | None, source: str, errors: dict[str, list[str]], on_field: str, source_field: str
) -> str:
    if on is None:
        errors[on_field] = [_("Enter the date from which this applies.")]
    if not source.strip():
        errors[source_field] = [
            _("Name the source document, for example the court decision or the extract from the gezagsregister.")
        ]
    return source.strip()


def _bsn_taken(*, client: Client, hashed: str, exclude: int | None = None) -> bool:
    others = GezagRelation.objects.filter(client=client, bsn_hash=hashed)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return bool(hashed) and others.exists()


def carer_add(
    *,
    actor: User,
    client: Client,
    details: CarerDetails,
    has_gezag: bool,
    gezag_from: datetime.date | None,
    gezag_source: str,
    access_point: AccessPoint,
) -> GezagRelation:
    """Record a family member of the young person: a parent, a voogd (person or GI), a foster carer.

    Gezag is recorded with the day it applies from and its source document (both required with
    gezag). Nothing is saved unless every check passes.
    """
    if not policy.can_manage_family(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    errors: dict[str, list[str]] = {}
    fields = _carer_clean(details, errors)
    source = gezag_source.strip()
    if has_gezag:
        source = _gezag_clean(
            on=gezag_from, source=gezag_source, errors=errors, on_field="gezag_from", source_field="gezag_source"
        )
    if _bsn_taken(client=client, hashed=fields["bsn_hash"]):
        errors.setdefault("bsn", []).append(_("A family member with this BSN is already recorded."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        relation = GezagRelation.objects.create(
            client=client,
            has_gezag=has_gezag,
            gezag_from=gezag_from if has_gezag else None,
            gezag_source=source,
            **fields,
        )
        if has_gezag:
            assert gezag_from is not None
            GezagChange.objects.create(
                relation=relation, has_gezag=True, effective_on=gezag_from, source_document=source, recorded_by=actor
            )
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="client.family_member",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return relation


def carer_update(
    *, actor: User, relation: GezagRelation, details: CarerDetails, access_point: AccessPoint
) -> GezagRelation:
    """Change a family member's details (not their gezag: that is ``gezag_change``, with its date
    and source document). A blank BSN keeps the one recorded."""
    client = relation.client
    if not policy.can_manage_family(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    if not details.bsn.strip() and relation.bsn:
        details = dataclasses.replace(details, bsn=relation.bsn)
    errors: dict[str, list[str]] = {}
    fields = _carer_clean(details, errors)
    if _bsn_taken(client=client, hashed=fields["bsn_hash"], exclude=relation.pk):
        errors.setdefault("bsn", []).append(_("A family member with this BSN is already recorded."))
    if relation.parent_id is not None and not fields["uses_portal"]:
        errors.setdefault("uses_portal", []).append(_("This family member has a portal account: they use the portal."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(relation, name, value)
        relation.save()
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="client.family_member",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return relation


def carer_account_link(
    *, actor: User | None, relation: GezagRelation, parent: User, access_point: AccessPoint
) -> GezagRelation:
    """Link a family member to their parent account (after an invitation, or by the coach), so they
    consent and message in the portal. ``actor`` None: the system on the parent's behalf (the
    invitation flow checks the invitation itself)."""
    client = relation.client
    if actor is not None and not policy.can_manage_family(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    if not policy.is_parent(parent):
        raise ValidationError({"parent": [_("Only a parent account can be linked to a family member.")]})
    if relation.kind == GezagRelation.Kind.GI:
        raise ValidationError({"parent": [_("A gecertificeerde instelling does not use the portal.")]})
    if relation.parent_id not in (None, parent.pk):
        raise ValidationError({"parent": [_("This family member is already linked to another account.")]})
    if GezagRelation.objects.filter(client=client, parent=parent).exclude(pk=relation.pk).exists():
        raise ValidationError({"parent": [_("This account is already linked to another family member.")]})
    with transaction.atomic():
        relation.parent, relation.uses_portal = parent, True
        relation.save(update_fields=["parent", "uses_portal"])
        access_log_record(
            actor=actor or parent,
            event=Event.UPDATE,
            action="client.family_member.account",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return relation


def gezag_change(
    *,
    actor: User,
    relation: GezagRelation,
    has_gezag: bool,
    effective_on: datetime.date | None,
    source_document: str,
    access_point: AccessPoint,
) -> GezagRelation:
    """Record that a family member gets or loses gezag from ``effective_on``, on ``source_document``.

    The access policy follows the dates (``access.policy.gezag_on``): an end of gezag counts from
    its day on, without anyone editing anything that day; the change is kept in ``GezagChange``.
    """
    client = relation.client
    if not policy.can_manage_family(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    errors: dict[str, list[str]] = {}
    source = _gezag_clean(
        on=effective_on, source=source_document, errors=errors, on_field="effective_on", source_field="source_document"
    )
    if errors:
        raise ValidationError(errors)
    assert effective_on is not None
    if has_gezag:
        if policy.gezag_on(relation, effective_on) and relation.gezag_ends_on is None:
            raise ValidationError({"has_gezag": [_("This family member already has gezag on that day.")]})
        relation.has_gezag, relation.gezag_from, relation.gezag_ends_on = True, effective_on, None
    else:
        if not relation.has_gezag or (relation.gezag_ends_on is not None and relation.gezag_ends_on <= effective_on):
            raise ValidationError({"has_gezag": [_("This family member has no gezag on that day.")]})
        if relation.gezag_from is not None and effective_on <= relation.gezag_from:
            # Gezag that ends before it began never counted.
            relation.has_gezag, relation.gezag_from, relation.gezag_ends_on = False, None, None
        else:
            relation.gezag_ends_on = effective_on
    relation.gezag_source = source
    with transaction.atomic():
        relation.save(update_fields=["has_gezag", "gezag_from", "gezag_ends_on", "gezag_source"])
        GezagChange.objects.create(
            relation=relation, has_gezag=has_gezag, effective_on=effective_on, source_document=source, recorded_by=actor
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
    if not policy.is_young_person(actor) or client.user_id != actor.pk:
        raise policy.Refused(_("Only the young person can give this consent."))
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


def client_file_seen_record(*, actor: User, client: Client) -> FileSeen:
    """Mark that ``actor`` opened ``client``'s file now: later answers, check-ins, messages,
    questionnaires and consents count as new for them (the access log itself is written by the
    selector that read the file)."""
    # One upsert statement (INSERT ... ON CONFLICT DO UPDATE): opening a file is a coach's most
    # frequent page, and two tabs opening the same file at once must not collide.
    seen = FileSeen(user=actor, client=client, seen_at=timezone.now())
    FileSeen.objects.bulk_create(
        [seen], update_conflicts=True, unique_fields=["user", "client"], update_fields=["seen_at"]
    )
    return seen
