"""Walk every URL pattern of the URL conf, as every role, with the path parameters filled in.

The list of pages comes from ``django.urls.get_resolver()``, never from a hand-written list: a page
added later is walked automatically. Path parameters are filled from ``WalkData`` (a client file
with every kind of content, made through the services); a parameter the walker does not know makes
``url_for`` raise ``Unfillable``, so a new kind of page fails the tests until the walker learns to
fill it, instead of being skipped silently.

Used by ``tests/core/test_url_walk.py`` (access log, no 5xx on malformed input, no-store).
"""

import dataclasses
import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.contrib.admin.options import ModelAdmin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpResponseBase
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import get_converters
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from coachcare.access import policy
from coachcare.accounts import services as account_services
from coachcare.accounts.models import Invitation, Role, User
from coachcare.api.selectors import module_key, practitioner_ids
from coachcare.api.services import api_token_create
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import GezagRelation
from coachcare.clients.services import CarerDetails, carer_add, client_note_add
from coachcare.coaching import services as coaching_services
from coachcare.coaching.models import Appointment, AssignmentAnswer
from coachcare.contracts.models import Allocation, AllocationChangeRequest
from coachcare.core.dates import today
from coachcare.declarations.models import Declaration, DeclarationStatus
from coachcare.measures.models import QuestionnaireResponse
from coachcare.messaging import services as messaging_services
from coachcare.messaging.models import Attachment, Thread
from coachcare.method.models import Assignment
from coachcare.municipalities.services import region_membership_add
from coachcare.privacy import services as privacy_services
from coachcare.privacy.models import DestructionRequest
from coachcare.safeguarding import services as safeguarding_services
from coachcare.safeguarding.models import MeldcodeCase, MeldcodeStep
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.models import Agreement, Evaluation, Goal, ModuleRun, Trajectory
from tests.accounts.factories import UserFactory
from tests.api.conftest import make_response
from tests.coaching.conftest import start_first_module
from tests.conftest import World, log_in
from tests.municipalities.factories import RegionFactory
from tests.trajectories.ratings import evaluate

AP = AccessPoint(channel="web", address="127.0.0.1")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

#: The roles the walk logs in as (keys of ``World``); ``None`` is an anonymous visitor.
ROLES: list[str | None] = [
    "coach",
    "teamleider",
    "toegang",
    "beleid",
    "beheerder",
    "jongere",
    "ouder",
    None,
]


class Unfillable(AssertionError):
    """The walker does not know how to fill a path parameter of this pattern: teach it."""


@dataclasses.dataclass(frozen=True)
class Pattern:
    """One URL pattern with the route of every resolver above it."""

    route: str  # the full route as written, e.g. "clients/<uuid:public_id>/"
    segments: tuple[str, ...]  # the route of each level: prefix(es), then the pattern itself
    lookup: str  # the view's dotted path
    model_admin: ModelAdmin[Any] | None

    @property
    def is_api(self) -> bool:
        return self.route.startswith(("api/", "fhir/"))

    @property
    def ends_session(self) -> bool:
        """Logging out: a walk requests it with a client of its own, to stay logged in."""
        return "logout" in self.route

    @property
    def has_parameters(self) -> bool:
        return any(PARAM.search(segment) or segment.startswith("^") for segment in self.segments)

    def accepts(self, value: str) -> bool:
        """Whether ``value`` fits every path parameter's converter: a value that does not never
        reaches the view (the URL is simply unknown), so a walk need not try it on every page."""
        for segment in self.segments:
            for match in PARAM.finditer(segment):
                converter = get_converters().get(match["converter"] or "str")
                if converter is None or not re.fullmatch(converter.regex, value):
                    return False
        return True


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


def url_patterns() -> list[Pattern]:
    """Every pattern of the root URL conf, flattened through ``include()``."""

    def walk(resolver: URLResolver, prefix: tuple[str, ...]) -> Iterator[Pattern]:
        for entry in resolver.url_patterns:
            segments = (*prefix, str(entry.pattern))
            if isinstance(entry, URLResolver):
                yield from walk(entry, segments)
            else:
                assert isinstance(entry, URLPattern)
                yield Pattern(
                    route="".join(segments),
                    segments=segments,
                    lookup=entry.lookup_str,
                    model_admin=getattr(entry.callback, "model_admin", None),
                )

    return list(walk(get_resolver(), ()))


@dataclasses.dataclass
class WalkData:
    """A client file (``world.own``) with every kind of content, and one of each other object."""

    world: World
    trajectory: Trajectory
    goal: Goal
    run: ModuleRun
    evaluation: Evaluation
    answer: AssignmentAnswer
    appointment: Appointment
    youth_thread: Thread
    parent_thread: Thread
    attachment: Attachment
    response: QuestionnaireResponse
    declaration: Declaration
    destruction_request: DestructionRequest
    tokens: dict[str, str]
    carer: GezagRelation
    agreement: Agreement
    meldcode_case: MeldcodeCase
    client_invitation: Invitation
    staff_invitation: Invitation
    invitation_token: str
    staff_member: User

    #: Texts that only clinical content contains: a page that shows one of them shows clinical content.
    markers: tuple[str, ...] = (
        "Op tijd op school komen",  # goal (tests.coaching.conftest)
        "Rustig praten aan tafel",  # parenting goal
        "Notitie-walvis",
        "Bericht-kolibrie",
        "Ouderbericht-mier",
        "Dagboek-vuurtoren",
        "Antwoord-pinguin",
        "Feedback-eekhoorn",
        "Meldcode-signaal-zeehond",  # notes of a meldcode step
    )

    @property
    def clinical_texts(self) -> tuple[str, ...]:
        """The markers, and the evaluation's GAS T-score as the advice shows it (either decimal sign)."""
        t_score = self.evaluation.advice_gas_t
        assert t_score is not None
        shown = f"{t_score:.1f}"
        return (*self.markers, f"GAS T-score {shown}", f"GAS T-score {shown.replace('.', ',')}")

    def user(self, role: str) -> User:
        return self.world.user(role)

    def http(self, role: str | None) -> HttpClient:
        """A fresh test client, logged in as ``role`` (second factor passed) or anonymous. A view's
        exception is answered as in production (the 500 page), so a walk reports every one."""
        http = HttpClient(raise_request_exception=False)
        if role is not None:
            log_in(http, self.user(role))
        return http

    def headers(self, role: str | None, pattern: Pattern) -> dict[str, str]:
        """The bearer token of ``role`` for the API and FHIR (sessions do not authenticate there)."""
        if role is None or not pattern.is_api or role not in self.tokens:
            return {}  # young people and parents hold no token: the API answers them 401
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def build_walk_data(world: World) -> WalkData:
    """Referral to a scored module evaluation through the services, plus notes, messages with an
    attachment, diary, assignment answer with feedback, a questionnaire response, an appointment, a
    declaration and a destruction request (of another client, so ``own`` keeps its content)."""
    trajectory, run, goal, parenting = start_first_module(world)
    assignment = Assignment.objects.filter(module=run.module, answer_kind="text").order_by("order").first()
    assert assignment is not None
    answer = coaching_services.assignment_answer_save(
        actor=world.jongere,
        module_run=run,
        assignment=assignment,
        text="Antwoord-pinguin",
        submit=True,
        access_point=AP,
    )
    coaching_services.assignment_feedback_give(
        actor=world.coach, answer=answer, feedback="Feedback-eekhoorn", access_point=AP
    )
    coaching_services.diary_entry_add(
        actor=world.jongere, client=world.own, mood=4, text="Dagboek-vuurtoren", access_point=AP
    )
    client_note_add(actor=world.coach, client=world.own, text="Notitie-walvis", access_point=AP)
    youth = messaging_services.thread_for(actor=world.coach, client=world.own, kind=Thread.Kind.YOUTH)
    message = messaging_services.message_post(
        actor=world.jongere,
        thread=youth,
        body="Bericht-kolibrie",
        attachment=SimpleUploadedFile("foto.png", PNG, content_type="image/png"),
        access_point=AP,
    )
    parent = messaging_services.thread_for(
        actor=world.coach, client=world.own, kind=Thread.Kind.PARENT, parent=world.ouder
    )
    messaging_services.message_post(actor=world.ouder, thread=parent, body="Ouderbericht-mier", access_point=AP)
    starts = timezone.now() + datetime.timedelta(days=3)
    appointment = coaching_services.appointment_create(
        actor=world.coach,
        client=world.own,
        trajectory=trajectory,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        kind=Appointment.Kind.OFFLINE,
        location="Kantoor",
        title="Gesprek",
        with_parents=True,
        access_point=AP,
    )
    response = make_response(world.own, world.coach)
    trajectory_services.module_finish(actor=world.coach, trajectory=trajectory, access_point=AP)
    trajectory = Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)
    evaluation = evaluate(
        actor=world.coach, trajectory=trajectory, scores={goal.pk: (0, 6), parenting.pk: (1, 7)}, access_point=AP
    )
    declaration = Declaration.objects.create(
        declaratienummer="W000001",
        municipality=world.municipality_a,
        provider=world.provider,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 1, 31),
        status=DeclarationStatus.SUBMITTED,
    )
    # a jeugdregio led by municipality A, so its staff open the region's dashboard with figures
    region = RegionFactory.create(name="Regio Wandeling", lead_municipality=world.municipality_a)
    for municipality in (world.municipality_a, world.municipality_b):
        region_membership_add(region=region, municipality=municipality, valid_from=datetime.date(2024, 1, 1))
    destruction_request = privacy_services.destruction_request_create(
        actor=world.jongere_other, client=world.other_team, access_point=AP
    )
    practitioner_ids([world.coach, world.teamleider])
    extra = _plant_family_consent_safeguarding_and_invitations(world, trajectory)
    tokens = {
        role: api_token_create(user=world.user(role), name="walk").raw
        for role in ROLES
        if role is not None and policy.can_hold_api_token(world.user(role))
    }
    return WalkData(
        world=world,
        trajectory=Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk),
        goal=goal,
        run=ModuleRun.objects.select_related("module__method_version").get(pk=run.pk),
        evaluation=evaluation,
        answer=answer,
        appointment=appointment,
        youth_thread=youth,
        parent_thread=parent,
        attachment=Attachment.objects.get(message=message),
        response=response,
        declaration=declaration,
        destruction_request=destruction_request,
        tokens=tokens,
        **extra,
    )


def _plant_family_consent_safeguarding_and_invitations(world: World, trajectory: Trajectory) -> dict[str, Any]:
    """The objects of the family records, consent on paper, the meldcode and the invitations and
    staff pages, each through its service. The walk posts to every page with no form data: the
    records it may change (a carer, an invitation, a staff account) are made for the walk only, so
    ``own``'s parents, the roles' accounts and the other pages' content are left as they are."""
    carer = carer_add(
        actor=world.coach,
        client=world.own,
        details=CarerDetails(kind=GezagRelation.Kind.FOSTER_CARER, given_name="Pleeg", family_name="Zorger"),
        has_gezag=False,
        gezag_from=None,
        gezag_source="",
        access_point=AP,
    )
    agreement = trajectory_services.agreement_record(
        actor=world.coach,
        trajectory=trajectory,
        kind=Agreement.Kind.SUMMARY,
        given_by=None,
        how=Agreement.How.ON_PAPER,
        scan=SimpleUploadedFile("toestemming.png", PNG, content_type="image/png"),
        access_point=AP,
    )
    case = safeguarding_services.meldcode_case_open(actor=world.coach, client=world.own, access_point=AP)
    safeguarding_services.meldcode_step_record(
        actor=world.coach,
        case=case,
        step=MeldcodeStep.Step.SIGNALS,
        performed_on=timezone.localdate(),
        notes="Meldcode-signaal-zeehond",
        access_point=AP,
    )
    # A beheerder of the provider (the world's one administers no organisation), so the staff pages
    # are reached; the account it manages and invites are the walk's own.
    world.beheerder.provider = world.provider
    world.beheerder.save(update_fields=["provider"])
    staff_member = UserFactory.create(coach=True, team=world.team_1, username="walk-coach")
    sent = len(mail.outbox)
    invited_parent = carer_add(
        actor=world.coach,
        client=world.own,
        details=CarerDetails(
            kind=GezagRelation.Kind.PARENT,
            given_name="Walk",
            family_name="Ouder",
            email="walk-ouder@example.invalid",
            uses_portal=True,
        ),
        has_gezag=True,
        gezag_from=world.own.birth_date,
        gezag_source="uittreksel gezagsregister",
        access_point=AP,
    )
    client_invitation = account_services.family_member_invite(
        actor=world.coach, relation=invited_parent, access_point=AP
    )
    staff_invitation = account_services.invitation_create(
        actor=world.beheerder,
        target=account_services.StaffTarget(role=Role.COACH, team=world.team_1),
        first_name="Nieuw",
        email="nieuwe-coach@example.invalid",
        access_point=AP,
    )
    links = [re.search(r"/accounts/invitation/([^/\s]+)/", str(message.body)) for message in mail.outbox[sent:]]
    assert links and links[0] is not None
    return {
        "carer": carer,
        "agreement": agreement,
        "meldcode_case": case,
        "client_invitation": client_invitation,
        "staff_invitation": staff_invitation,
        "invitation_token": links[0][1],
        "staff_member": staff_member,
    }


# --- filling path parameters -------------------------------------------------------------------------

Filler = Callable[[WalkData], str]


def _practitioner(data: WalkData) -> str:
    return str(practitioner_ids([data.world.coach])[data.world.coach.pk])


def _allocation(data: WalkData) -> str:
    allocation = Allocation.objects.filter(client=data.world.own).order_by("pk").first()
    assert allocation is not None
    return str(allocation.public_id)


def _change_request(data: WalkData) -> str:
    """A change request (JW317) of the first allocation of ``world.own``."""
    allocation = Allocation.objects.filter(client=data.world.own).order_by("pk").first()
    assert allocation is not None
    change = AllocationChangeRequest.objects.filter(allocation=allocation).first()
    if change is None:
        change = AllocationChangeRequest.objects.create(
            allocation=allocation,
            volume=allocation.volume + 1,
            volume_before=allocation.volume,
            end_date_before=allocation.end_date or today(),
            reason="Meer sessies.",
            requested_by=data.world.coach,
            requested_at=timezone.now(),
        )
    return str(change.public_id)


def _audit_event(data: WalkData) -> str:
    entry = AccessLogEntry.objects.filter(client_public_id=data.world.own.public_id).order_by("pk").first()
    assert entry is not None
    return str(entry.entry_id)


def _review_action(data: WalkData) -> str:
    """An agreed action of a kwartaalgesprek of municipality A, recorded through the service once."""
    from coachcare.monitoring import services as monitoring_services
    from coachcare.monitoring.models import ReviewAction

    action = ReviewAction.objects.order_by("pk").first()
    if action is None:
        world = data.world
        review = monitoring_services.quarterly_review_record(
            actor=world.beleid,
            municipality=world.municipality_a,
            provider=world.provider,
            held_on=datetime.date(2025, 4, 1),
            participants="Walk Beleid (gemeente), Walk Teamleider (aanbieder)",
            actions=[
                monitoring_services.AgreedAction(
                    description="Wachttijd bespreken", owner="Aanbieder", due_on=datetime.date(2025, 7, 1)
                )
            ],
        )
        action = review.actions.get()
    return str(action.pk)


def _pilot(data: WalkData) -> str:
    """A pilot of municipality A and the provider, proposed through the service once."""
    from coachcare.monitoring import services as monitoring_services
    from coachcare.monitoring.models import Pilot

    pilot = Pilot.objects.order_by("pk").first()
    if pilot is None:
        world = data.world
        pilot = monitoring_services.pilot_create(
            actor=world.beleid,
            municipality=world.municipality_a,
            provider=world.provider,
            name="Walk-pilot",
            period_from=datetime.date(2025, 1, 1),
            period_to=datetime.date(2025, 12, 31),
            target_group="Jongeren 12-17",
            planned_young_people=40,
            primary_outcomes=["dropout"],
        )
    return str(pilot.pk)


def _budget_contract(data: WalkData) -> str:
    """The contract of ``world.own``'s first allocation (municipality A: its budget page)."""
    allocation = Allocation.objects.filter(client=data.world.own).order_by("pk").first()
    assert allocation is not None
    return str(allocation.contract_id)


def _instalment(data: WalkData) -> str:
    """A planned lump-sum instalment of that contract (made once)."""
    from coachcare.contracts.models import LumpSumInstalment

    contract_id = int(_budget_contract(data))
    instalment = LumpSumInstalment.objects.filter(contract_id=contract_id).order_by("pk").first()
    if instalment is None:
        first = datetime.date(today().year, 1, 1)
        instalment = LumpSumInstalment.objects.create(
            contract_id=contract_id, period_start=first, period_end=first, amount_cents=100
        )
    return str(instalment.pk)


def _first_pk(model: type[Model]) -> str:
    first = model._default_manager.order_by("pk").first()
    return str(first.pk) if first is not None else "1"


#: (the route of the level, the parameter) -> its value. The route is matched on the level's own
#: route (after the prefix of an ``include()``), the prefix in front disambiguates.
FILL: dict[tuple[str, str], Filler] = {
    ("clients/", "public_id"): lambda d: str(d.world.own.public_id),
    ("contracts/", "public_id"): _allocation,
    ("contracts/budgets/", "pk"): _budget_contract,
    ("contracts/budgets/", "instalment_pk"): _instalment,
    ("contracts/budgets/", "year"): lambda d: str(today().year),
    ("ijw/change-requests/", "public_id"): _change_request,
    ("trajectories/", "public_id"): lambda d: str(d.trajectory.public_id),
    ("trajectories/clients/", "public_id"): lambda d: str(d.world.own.public_id),
    ("trajectories/", "months"): lambda d: "6",
    ("portal/", "order"): lambda d: str(d.answer.assignment.order),
    ("portal/appointments/", "public_id"): lambda d: str(d.appointment.public_id),
    ("portal/", "code"): lambda d: "gbo",
    ("portal/coach/answers/", "public_id"): lambda d: str(d.answer.public_id),
    ("portal/coach/appointments/", "public_id"): lambda d: str(d.appointment.public_id),
    ("portal/coach/", "public_id"): lambda d: str(d.world.own.public_id),
    ("messages/open/", "client_public_id"): lambda d: str(d.world.own.public_id),
    ("messages/", "public_id"): lambda d: str(d.youth_thread.public_id),
    ("messages/", "attachment_public_id"): lambda d: str(d.attachment.public_id),
    ("declarations/", "public_id"): lambda d: str(d.declaration.public_id),
    ("privacy/", "trajectory_id"): lambda d: str(d.trajectory.public_id),
    ("privacy/", "public_id"): lambda d: str(d.world.own.public_id),
    ("monitoring/", "fmt"): lambda d: "csv",
    ("monitoring/", "code"): lambda d: d.world.municipality_a.code,
    ("monitoring/", "kind"): lambda d: "municipality",
    ("monitoring/", "pk"): _review_action,
    ("monitoring/", "pilot_id"): _pilot,
    ("monitoring/", "step"): lambda d: "confirm",
    ("accounts/invitation/", "token"): lambda d: d.invitation_token,
    ("accounts/password-reset/", "uidb64"): lambda d: urlsafe_base64_encode(force_bytes(d.staff_member.pk)),
    ("accounts/password-reset/", "token"): lambda d: default_token_generator.make_token(d.staff_member),
    ("staff/", "pk"): lambda d: str(d.staff_member.pk),
    ("staff/invitations/", "pk"): lambda d: str(d.staff_invitation.pk),
    ("clients/", "pk"): lambda d: str(d.client_invitation.pk),
    ("clients/", "relation_id"): lambda d: str(d.carer.pk),
    ("trajectories/", "agreement_id"): lambda d: str(d.agreement.pk),
    ("meldcode/clients/", "public_id"): lambda d: str(d.world.own.public_id),
    ("meldcode/", "public_id"): lambda d: str(d.meldcode_case.public_id),
    ("api/v1/", "client_id"): lambda d: str(d.world.own.public_id),
    ("api/v1/", "trajectory_id"): lambda d: str(d.trajectory.public_id),
    ("api/v1/", "response_id"): lambda d: str(d.response.public_id),
    ("api/v1/", "module_id"): lambda d: module_key(d.run.module),
    ("api/v1/", "appointment_id"): lambda d: str(d.appointment.public_id),
    ("api/v1/", "thread_id"): lambda d: str(d.youth_thread.public_id),
    ("api/v1/", "allocation_id"): _allocation,
    ("api/v1/", "invoice_id"): lambda d: str(d.declaration.public_id),
    ("fhir/r4/Patient/", "resource_id"): lambda d: str(d.world.own.public_id),
    ("fhir/r4/CareTeam/", "resource_id"): lambda d: str(d.world.own.public_id),
    ("fhir/r4/Practitioner/", "resource_id"): _practitioner,
    ("fhir/r4/ActivityDefinition/", "resource_id"): lambda d: module_key(d.run.module),
    ("fhir/r4/Task/", "resource_id"): lambda d: f"{d.trajectory.public_id}-{d.run.sequence}",
    ("fhir/r4/Goal/", "resource_id"): lambda d: f"{d.trajectory.public_id}-g{d.goal.order}",
    ("fhir/r4/CarePlan/", "resource_id"): lambda d: str(d.trajectory.public_id),
    ("fhir/r4/QuestionnaireResponse/", "resource_id"): lambda d: str(d.response.public_id),
    ("fhir/r4/AuditEvent/", "resource_id"): _audit_event,
}

#: Regular-expression patterns: the catch-alls answer any path; the admin's app index one app.
REGEX_FILL: dict[str, str] = {
    "^.*$": "no-such-page",
    "(?P<url>.*)$": "no-such-page/",
}


def _param_value(pattern: Pattern, rendered: str, name: str, data: WalkData) -> str:
    """The value of parameter ``name`` at the point ``rendered`` (the URL so far) of ``pattern``."""
    if pattern.route.startswith("admin/"):
        if name == "content_type_id":  # the admin's "view on site" shortcut
            return str(ContentType.objects.get_for_model(type(data.world.own)).pk)
        if name in {"object_id", "pk", "id"}:
            if pattern.model_admin is not None:
                return _first_pk(pattern.model_admin.model)
            app_label, _slash, model_name = pattern.segments[1].strip("/").partition("/")
            if model_name and "/" not in model_name:
                return _first_pk(apps.get_model(app_label, model_name))
            if name == "object_id":
                return str(data.world.own.pk)
    candidates = [
        (prefix, filler) for (prefix, param), filler in FILL.items() if param == name and rendered.startswith(prefix)
    ]
    if not candidates:
        raise Unfillable(f"The URL walker cannot fill <{name}> of {pattern.route!r}: add it to FILL in {__name__}.")
    _prefix, filler = max(candidates, key=lambda item: len(item[0]))
    return filler(data)


def url_for(pattern: Pattern, data: WalkData, *, value: str | None = None) -> str:
    """The URL of ``pattern`` with every path parameter filled from ``data``, or with ``value``
    (already a raw, unquoted string: it is percent-encoded here) in every parameter."""
    rendered = ""
    for segment in pattern.segments:
        if segment.startswith("^") or segment.endswith("$"):
            if segment in REGEX_FILL:
                rendered += REGEX_FILL[segment] if value is None else quote(value, safe="")
                continue
            group = NAMED_GROUP.search(segment)
            if group is None or group["name"] != "app_label":
                raise Unfillable(f"The URL walker cannot fill the regex {segment!r} of {pattern.route!r}.")
            rendered += group["body"].split("|")[0] + "/"
            continue
        position = 0
        for match in PARAM.finditer(segment):
            rendered += segment[position : match.start()]
            raw = value if value is not None else _param_value(pattern, rendered, match["name"], data)
            rendered += quote(raw, safe="")
            position = match.end()
        rendered += segment[position:]
    url = "/" + rendered
    if value is None:
        matched = resolve(url)
        if matched.route.replace("^", "") != pattern.route.replace("^", ""):
            raise Unfillable(f"{url} (filled for {pattern.route!r}) resolves to {matched.route!r}.")
    return url


def body(response: HttpResponseBase) -> str:
    """The text of a response, streamed or not (binary content decoded leniently)."""
    content = getattr(response, "content", b"") if not response.streaming else b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(content).decode("utf-8", errors="ignore")
