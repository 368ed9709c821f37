"""Import young people with their family members, gezag and contact details from a CSV file
(``manage.py import_clients``; the columns are documented in docs/import-clients.md).

All or nothing: every line is checked by the same services the screens use (``client_refer``,
``carer_add``, ``client_contact_update``); one error anywhere and nothing is saved, and the result
lists every error with its line number. Idempotent by BSN: a young person already registered at
the provider is not registered again; their missing contact details and the family members not yet
recorded (matched by BSN, or by relation and name) are added, so running the same file twice
changes nothing the second time.
"""

import csv
import dataclasses
import datetime
import functools
import io
import logging
from collections.abc import Callable
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts import services as account_services
from coachcare.accounts.models import Role, User
from coachcare.audit.services import AccessPoint
from coachcare.clients import services
from coachcare.clients.models import Client, GezagRelation
from coachcare.core.dates import today
from coachcare.core.mail import MAIL_ERRORS
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Team

logger = logging.getLogger(__name__)


#: Columns of the young person; ``bsn``, the names, ``birth_date`` and ``municipality`` are required.
CLIENT_COLUMNS = (
    "bsn",
    "given_name",
    "family_name",
    "birth_date",
    "municipality",
    "email",
    "mobile",
    "coach",
    "referrer_kind",
    "earlier_care_kind",
    "earlier_care_on",
    "earlier_care_ended_on",
    "earlier_care_source",
)
#: Columns of each family member, prefixed ``carer1_`` and ``carer2_`` (a group left empty is skipped).
CARER_FIELDS = (
    "kind",
    "given_name",
    "family_name",
    "organisation_name",
    "has_gezag",
    "gezag_from",
    "gezag_source",
    "email",
    "mobile",
    "bsn",
    "uses_portal",
)
MAX_CARERS = 2
CARER_COLUMNS = tuple(f"carer{n}_{field}" for n in range(1, MAX_CARERS + 1) for field in CARER_FIELDS)
REQUIRED_COLUMNS = ("bsn", "given_name", "family_name", "birth_date", "municipality")
YES = frozenset({"ja", "j", "yes", "y", "1", "true", "waar"})
NO = frozenset({"nee", "n", "no", "0", "false", "onwaar", ""})


class TrajectoryOpener(Protocol):
    """Opens a trajectory for a registered young person from the import's referrer column."""

    def __call__(self, *, actor: User, client: Client, referrer: str, access_point: AccessPoint) -> object: ...


class ImportFailed(Exception):
    """Nothing was imported; ``errors`` lists every problem as "line N, column: message"."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclasses.dataclass
class ImportResult:
    rows: int = 0
    registered: int = 0
    already_registered: int = 0
    family_members_added: int = 0
    contact_details_added: int = 0
    #: The files of the file's young people (new or already registered), in file order.
    client_ids: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class InvitationsResult:
    young_people: int = 0
    family_members: int = 0
    #: Not invited again: an account exists already, or an open invitation.
    skipped: int = 0
    #: The mail server refused: nobody was invited (run again later).
    not_sent: int = 0


def _date(value: str, column: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a calendar date, no time of day
        except ValueError:
            continue
    raise ValidationError({column: [_("Not a date: use YYYY-MM-DD or DD-MM-YYYY.")]})


def _yes_no(value: str, column: str) -> bool:
    value = value.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValidationError({column: [_("Use ja or nee.")]})


def _rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the (line number, row) pairs of a UTF-8 CSV with ``;`` or ``,``."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    rows = []
    for row in reader:
        values = {key: (value or "").strip() for key, value in row.items() if key is not None}
        if any(values.values()):
            rows.append((reader.line_num, values))
    return header, rows


def _header_errors(header: list[str]) -> list[str]:
    known = set(CLIENT_COLUMNS) | set(CARER_COLUMNS)
    errors = [_("header: unknown column %(column)s") % {"column": column} for column in header if column not in known]
    errors += [
        _("header: the column %(column)s is missing") % {"column": column}
        for column in REQUIRED_COLUMNS
        if column not in header
    ]
    return errors


def _matches(existing: GezagRelation, details: services.CarerDetails) -> bool:
    if details.bsn and existing.bsn_hash:
        try:
            return existing.bsn_hash == services.bsn_hash(details.bsn)
        except ValidationError:
            return False
    if details.kind == GezagRelation.Kind.GI:
        return existing.kind == details.kind and existing.organisation_name == details.organisation_name.strip()
    return (existing.kind, existing.given_name, existing.family_name) == (
        details.kind,
        details.given_name.strip(),
        details.family_name.strip(),
    )


def _carers(*, actor: User, client: Client, row: dict[str, str], access_point: AccessPoint) -> int:
    """Add the family members of the row not yet recorded; the number added."""
    added = 0
    for n in range(1, MAX_CARERS + 1):
        prefix = f"carer{n}_"
        values = {field: row.get(prefix + field, "") for field in CARER_FIELDS}
        if not any(values.values()):
            continue
        errors: dict[str, list[str]] = {}
        has_gezag, uses_portal, gezag_from = False, False, None
        try:
            has_gezag = _yes_no(values["has_gezag"], prefix + "has_gezag")
            uses_portal = _yes_no(values["uses_portal"], prefix + "uses_portal")
            gezag_from = _date(values["gezag_from"], prefix + "gezag_from")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        details = services.CarerDetails(
            kind=values["kind"],
            given_name=values["given_name"],
            family_name=values["family_name"],
            organisation_name=values["organisation_name"],
            email=values["email"],
            mobile=values["mobile"],
            bsn=values["bsn"],
            uses_portal=uses_portal,
        )
        if any(_matches(existing, details) for existing in GezagRelation.objects.filter(client=client)):
            continue
        try:
            services.carer_add(
                actor=actor,
                client=client,
                details=details,
                has_gezag=has_gezag,
                gezag_from=gezag_from,
                gezag_source=values["gezag_source"],
                access_point=access_point,
            )
        except ValidationError as exc:
            raise ValidationError({prefix + field: messages for field, messages in exc.message_dict.items()}) from exc
        added += 1
    return added


def _import_row(
    *,
    actor: User,
    team: Team,
    row: dict[str, str],
    result: ImportResult,
    access_point: AccessPoint,
    open_trajectory: TrajectoryOpener,
) -> tuple[str, Client]:
    try:
        hashed = services.bsn_hash(row.get("bsn", ""))
    except ValidationError as exc:
        raise ValidationError({"bsn": exc.messages}) from exc
    client = Client.objects.filter(provider_id=team.provider_id, bsn_hash=hashed).first()
    if client is not None:
        if not policy.can_manage_family(actor, client):
            raise ValidationError({"bsn": [_("This young person is registered in a team you cannot change.")]})
        email = client.email or row.get("email", "")
        mobile = client.mobile or row.get("mobile", "")
        if (email, mobile) != (client.email, client.mobile):
            services.client_contact_update(
                actor=actor, client=client, email=email, mobile=mobile, access_point=access_point
            )
            result.contact_details_added += 1
        result.already_registered += 1
        result.family_members_added += _carers(actor=actor, client=client, row=row, access_point=access_point)
        return "already registered", client
    birth_date = _date(row.get("birth_date", ""), "birth_date")
    if birth_date is None:
        raise ValidationError({"birth_date": [_("The date of birth is required.")]})
    municipality = Municipality.objects.filter(code=row.get("municipality", "").zfill(4)).first()
    if municipality is None:
        raise ValidationError({"municipality": [_("Unknown municipality code (CBS, 4 digits).")]})
    coach = None
    if row.get("coach"):
        coach = User.objects.filter(username=row["coach"], role=Role.COACH, is_active=True).first()
        if coach is None:
            raise ValidationError({"coach": [_("No active coach with this user name.")]})
    earlier_care = services.earlier_care_clean(
        kind=row.get("earlier_care_kind", ""),
        on=_date(row.get("earlier_care_on", ""), "earlier_care_on"),
        ended_on=_date(row.get("earlier_care_ended_on", ""), "earlier_care_ended_on"),
        source=row.get("earlier_care_source", ""),
        birth_date=birth_date,
    )
    client = services.client_refer(
        actor=actor,
        bsn=row["bsn"],
        given_name=row.get("given_name", ""),
        family_name=row.get("family_name", ""),
        birth_date=birth_date,
        municipality=municipality,
        team=team,
        coach=coach,
        email=row.get("email", ""),
        mobile=row.get("mobile", ""),
        earlier_care=earlier_care,
        access_point=access_point,
    )
    if row.get("referrer_kind"):
        open_trajectory(actor=actor, client=client, referrer=row["referrer_kind"], access_point=access_point)
    result.registered += 1
    result.family_members_added += _carers(actor=actor, client=client, row=row, access_point=access_point)
    return "registered", client


def clients_import_csv(
    *,
    actor: User,
    text: str,
    team: Team | None = None,
    access_point: AccessPoint,
    open_trajectory: TrajectoryOpener,
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportResult:
    """Import the CSV ``text`` as ``actor`` (a coach or team lead) into ``team`` (default: theirs).

    A row with a referrer opens a trajectory through ``open_trajectory`` (the command passes
    ``trajectories.services.trajectory_open_for_referrer``: trajectories sit above clients, so the
    caller hands the door in rather than this module reaching up).

    Raises ``ImportFailed`` with every error, line by line, and then nothing is saved.
    ``progress(line, last line, what was done)`` is called for each line while no error was found.
    """
    if not policy.can_refer(actor):
        raise policy.AccessDenied(_("Only coaches and team leads can register young people."))
    team = team or actor.team
    if team is None or team.provider_id != actor.provider_id:
        raise ImportFailed([_("Choose a team of your own organisation.")])
    header, rows = _rows(text)
    errors = _header_errors(header)
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed([_("The file has no rows.")])
    result = ImportResult(rows=len(rows))
    seen: dict[str, int] = {}
    with transaction.atomic():
        for line, row in rows:
            try:
                compact = services.bsn_clean(row.get("bsn", ""))
            except ValidationError:
                compact = ""
            if compact and compact in seen:
                errors.append(
                    _("line %(line)s, bsn: the same BSN as on line %(first)s") % {"line": line, "first": seen[compact]}
                )
                continue
            if compact:
                seen[compact] = line
            try:
                with transaction.atomic():
                    action, client = _import_row(
                        actor=actor,
                        team=team,
                        row=row,
                        result=result,
                        access_point=access_point,
                        open_trajectory=open_trajectory,
                    )
                result.client_ids.append(client.pk)
            except ValidationError as exc:
                messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                for column, column_messages in messages.items():
                    for message in column_messages:
                        where = (
                            _("line %(line)s, %(column)s") % {"line": line, "column": column}
                            if column and column != "__all__"
                            else _("line %(line)s") % {"line": line}
                        )
                        errors.append(f"{where}: {message}")
                continue
            if progress is not None and not errors:
                progress(line, rows[-1][0], action)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return result


def import_invitations_send(*, actor: User, client_ids: list[int], access_point: AccessPoint) -> InvitationsResult:
    """After an import (``import_clients --invite``): invite every young person with an e-mail
    address and no account, and every family member with gezag who uses the portal and has an
    e-mail address (``accounts.services.family_member_invite``). Each invitation is its own
    transaction; who already has an account or an open invitation is skipped, so running it again
    only sends what is missing."""
    result = InvitationsResult()
    today_ = today()
    for client in Client.objects.filter(pk__in=client_ids).order_by("pk"):
        sends: list[tuple[str, Callable[[], object]]] = []
        if client.email and client.user_id is None:
            young_person = functools.partial(
                account_services.invitation_create,
                actor=actor,
                target=account_services.YoungPersonTarget(client=client),
                first_name=client.given_name,
                email=client.email,
                access_point=access_point,
            )
            sends.append(("young_people", young_person))
        for relation in client.gezag_relations.filter(uses_portal=True, parent__isnull=True).exclude(email=""):
            if policy.can_have_portal_account(relation, on=today_):
                member = functools.partial(
                    account_services.family_member_invite, actor=actor, relation=relation, access_point=access_point
                )
                sends.append(("family_members", member))
        for counter, send in sends:
            try:
                send()
            except ValidationError:
                result.skipped += 1
            except MAIL_ERRORS:
                logger.warning("import invitation not sent: the mail server refused")
                result.not_sent += 1
            else:
                setattr(result, counter, getattr(result, counter) + 1)
    return result
