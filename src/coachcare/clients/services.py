"""Writes on clients: referral (aanmelding), contact details, notes, family members (gezinsleden)
and their gezag, parent access."""

import dataclasses
import datetime
import enum
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.nl import bsn as stdnum_bsn

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import (
    Client,
    ClientNote,
    EarlierCareKind,
    FileSeen,
    GezagChange,
    GezagRelation,
    ParentAccessDecision,
)
from coachcare.core.dates import add_months, age_on, today
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


#: Jeugdwet art. 1.1 ("jeugdige"): from 18 youth care is only verlengde jeugdhulp, and it ends on the
#: 23rd birthday ("niet de leeftijd van drieëntwintig jaar heeft bereikt"). docs/legal-basis.md.
JEUGDWET_ADULT_AGE = 18
JEUGDWET_END_AGE = 23
#: Care that started (or was decided) before 18 and ended may resume within half a year of its end
#: (Jeugdwet art. 1.1, "hervatting binnen een half jaar"). The law fixes the period: not a setting.
VERLENGDE_JEUGDHULP_RESUME_MONTHS = 6


@dataclasses.dataclass(frozen=True, kw_only=True)
class EarlierCare:
    """Evidence of youth care before 18: started or decided (``EarlierCareKind``) on ``on``,
    ended on ``ended_on`` (``None``: still running, or decided and not yet started)."""

    kind: str
    on: datetime.date
    ended_on: datetime.date | None = None
    source: str = ""


class EligibilityReason(enum.StrEnum):
    """Why a young person may or may not receive youth care under the Jeugdwet on a day."""

    MINOR = "minor"  # under 18: a jeugdige
    CONTINUED = "continued"  # verlengde jeugdhulp: care from before 18 still runs
    RESUMED = "resumed"  # verlengde jeugdhulp: care from before 18 resumes within half a year
    TOO_YOUNG = "too_young"  # under the method's range
    TOO_OLD = "too_old"  # over the method's range
    JEUGDWET_ENDED = "jeugdwet_ended"  # 23 or older: no longer a jeugdige
    NO_EARLIER_CARE = "no_earlier_care"  # 18 or older without youth care before 18
    RESUMED_TOO_LATE = "resumed_too_late"  # the care before 18 ended more than half a year ago


@dataclasses.dataclass(frozen=True, kw_only=True)
class Eligibility:
    """The answer of ``client_youth_care_eligibility``: whether youth care may start, why, and the
    words for the person who registers (with the way to the Wmo or the Zvw when refused)."""

    eligible: bool
    reason: EligibilityReason
    age: int
    message: str = ""
    evidence: EarlierCare | None = None


def _adult_refusal() -> str:
    return _(
        "From 18, youth care under the Jeugdwet is only possible as verlengde jeugdhulp: care that "
        "started before 18, or was decided before 18 and resumes within half a year after it ended. "
        "Refer the young person to the municipality (Wmo, the social neighbourhood team) or to the "
        "general practitioner and the health insurer (Zvw)."
    )


def earlier_care_recorded(*, client: Client, before: datetime.date) -> list[EarlierCare]:
    """The evidence of youth care before ``before`` (the 18th birthday) known for ``client``: the
    date recorded at referral, the client's earlier trajectories in coachcare (care started on the
    referral date, ended on the closure) and allocations granted before that day (care decided).

    Read through the ORM relations of ``Client``, so this base app imports no app above it."""
    evidence: list[EarlierCare] = []
    if client.pk is None:
        return evidence
    if client.earlier_care_kind and client.earlier_care_on is not None and client.earlier_care_on < before:
        evidence.append(
            EarlierCare(
                kind=client.earlier_care_kind,
                on=client.earlier_care_on,
                ended_on=client.earlier_care_ended_on,
                source=client.earlier_care_source,
            )
        )
    trajectories = Client.objects.filter(pk=client.pk, trajectories__referred_on__lt=before).values_list(
        "trajectories__referred_on", "trajectories__closed_on"
    )
    evidence += [
        EarlierCare(kind=EarlierCareKind.STARTED, on=started, ended_on=closed, source="coachcare")
        for started, closed in trajectories
    ]
    allocations = Client.objects.filter(
        pk=client.pk,
        allocations__status__in=("approved", "ended"),
        allocations__start_date__lt=before,
    ).values_list("allocations__start_date", "allocations__end_date")
    evidence += [
        EarlierCare(kind=EarlierCareKind.DECIDED, on=start, ended_on=end, source="coachcare")
        for start, end in allocations
        if start is not None
    ]
    return evidence


def client_youth_care_eligibility(
    *,
    birth_date: datetime.date,
    on: datetime.date,
    client: Client | None = None,
    earlier_care: EarlierCare | None = None,
) -> Eligibility:
    """May youth care start (or resume) on ``on`` for a young person born on ``birth_date``?

    The one place of the rule (docs/legal-basis.md, "Youth care from 18"): the method's range is 12
    to 23 (``MIN_AGE``, ``MAX_AGE``); under 18 every young person is a jeugdige; from 18 only
    verlengde jeugdhulp: care that started or was decided before the 18th birthday and still runs,
    or that ended and resumes within half a year (``VERLENGDE_JEUGDHULP_RESUME_MONTHS``); from the
    23rd birthday the Jeugdwet no longer applies. The evidence is ``earlier_care`` (entered at
    referral) and what coachcare knows of ``client`` (``earlier_care_recorded``). Used by the
    referral (``client_refer``), the CSV import, ``trajectory_open`` and the state machine guard.
    """
    age = age_on(birth_date, on)
    if age < MIN_AGE:
        message = _("Coach & Care is for young people aged %(min)s to %(max)s; this person is %(age)s.") % {
            "min": MIN_AGE,
            "max": MAX_AGE,
            "age": age,
        }
        return Eligibility(eligible=False, reason=EligibilityReason.TOO_YOUNG, age=age, message=message)
    if age > MAX_AGE:
        message = _("Coach & Care is for young people aged %(min)s to %(max)s; this person is %(age)s.") % {
            "min": MIN_AGE,
            "max": MAX_AGE,
            "age": age,
        }
        return Eligibility(eligible=False, reason=EligibilityReason.TOO_OLD, age=age, message=message)
    if age < JEUGDWET_ADULT_AGE:
        return Eligibility(eligible=True, reason=EligibilityReason.MINOR, age=age)
    if age >= JEUGDWET_END_AGE:
        message = _(
            "From 23 the Jeugdwet no longer applies, also not as verlengde jeugdhulp. Refer the young person "
            "to the municipality (Wmo, the social neighbourhood team) or to the general practitioner and the "
            "health insurer (Zvw)."
        )
        return Eligibility(eligible=False, reason=EligibilityReason.JEUGDWET_ENDED, age=age, message=message)
    eighteenth = birth_date_add_years(birth_date, JEUGDWET_ADULT_AGE)
    evidence = earlier_care_recorded(client=client, before=eighteenth) if client is not None else []
    if earlier_care is not None and earlier_care.on < eighteenth:
        evidence.append(earlier_care)
    late: EarlierCare | None = None
    for care in evidence:
        if care.ended_on is None or care.ended_on >= on:
            return Eligibility(eligible=True, reason=EligibilityReason.CONTINUED, age=age, evidence=care)
    for care in evidence:
        assert care.ended_on is not None  # every running care returned above
        if on <= add_months(care.ended_on, VERLENGDE_JEUGDHULP_RESUME_MONTHS):
            return Eligibility(eligible=True, reason=EligibilityReason.RESUMED, age=age, evidence=care)
        if late is None or (late.ended_on is not None and care.ended_on > late.ended_on):
            late = care
    if late is not None and late.ended_on is not None:
        message = _(
            "The youth care before 18 ended on %(ended)s, more than half a year ago: it can no longer be "
            "resumed as verlengde jeugdhulp."
        ) % {"ended": date_format(late.ended_on, "j F Y")}
        return Eligibility(
            eligible=False,
            reason=EligibilityReason.RESUMED_TOO_LATE,
            age=age,
            message=f"{message} {_adult_refusal()}",
            evidence=late,
        )
    return Eligibility(eligible=False, reason=EligibilityReason.NO_EARLIER_CARE, age=age, message=_adult_refusal())


def client_eligibility_check(
    *,
    birth_date: datetime.date,
    on: datetime.date,
    client: Client | None = None,
    earlier_care: EarlierCare | None = None,
) -> Eligibility:
    """``client_youth_care_eligibility`` for a form or service: a refusal raises a ``ValidationError``
    on ``birth_date`` with the words of the refusal."""
    eligibility = client_youth_care_eligibility(birth_date=birth_date, on=on, client=client, earlier_care=earlier_care)
    if not eligibility.eligible:
        raise ValidationError({"birth_date": [ValidationError(eligibility.message, code=eligibility.reason.value)]})
    return eligibility


def earlier_care_clean(
    *,
    kind: str,
    on: datetime.date | None,
    ended_on: datetime.date | None,
    source: str,
    birth_date: datetime.date | None,
) -> EarlierCare | None:
    """The evidence of youth care before 18 entered at referral, checked: all or nothing of kind,
    date and source; the date before the 18th birthday; the end not before the start."""
    source = source.strip()
    if not kind and on is None and ended_on is None and not source:
        return None
    errors: dict[str, list[str]] = {}
    if kind not in EarlierCareKind.values:
        errors["earlier_care_kind"] = [_("Choose whether the youth care before 18 started or was decided.")]
    if on is None:
        errors["earlier_care_on"] = [_("Give the date the youth care started or was decided.")]
    elif birth_date is not None and on >= birth_date_add_years(birth_date, JEUGDWET_ADULT_AGE):
        errors["earlier_care_on"] = [_("This date is not before the 18th birthday.")]
    elif birth_date is not None and on < birth_date:
        errors["earlier_care_on"] = [_("This date is before the date of birth.")]
    if on is not None and ended_on is not None and ended_on < on:
        errors["earlier_care_ended_on"] = [_("The end cannot be before the start.")]
    if not source:
        errors["earlier_care_source"] = [
            _("Say where this comes from, for example the decision of the municipality or the earlier provider.")
        ]
    elif len(source) > 300:
        errors["earlier_care_source"] = [_("Use at most 300 characters.")]
    if errors:
        raise ValidationError(errors)
    assert on is not None
    return EarlierCare(kind=kind, on=on, ended_on=ended_on, source=source)


def birth_date_add_years(birth_date: datetime.date, years: int) -> datetime.date:
    """The day someone born on ``birth_date`` turns ``years`` (29 February: 1 March, as ``age_on``)."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        return datetime.date(birth_date.year + years, 3, 1)


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
    earlier_care: EarlierCare | None = None,
    access_point: AccessPoint,
) -> Client:
    """Register a young person (aanmelding). Nothing is saved unless every check passes.

    ``earlier_care`` is the evidence of youth care before 18 (``earlier_care_clean``), needed from
    18 (``client_youth_care_eligibility``) and kept on the file."""
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
        client_eligibility_check(birth_date=birth_date, on=referred_on, earlier_care=earlier_care)
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
                earlier_care_kind=earlier_care.kind if earlier_care else "",
                earlier_care_on=earlier_care.on if earlier_care else None,
                earlier_care_ended_on=earlier_care.ended_on if earlier_care else None,
                earlier_care_source=earlier_care.source if earlier_care else "",
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
