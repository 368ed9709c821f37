"""Pages composed from several domain apps: each role's start page, the client file and the
referral (aanmelding). URL names stay in the ``core`` and ``clients`` namespaces (``home/urls.py``,
``home/client_urls.py``)."""

import dataclasses
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coachcare.access import policy
from coachcare.accounts import selectors as account_selectors
from coachcare.accounts.forms import InvitationForm
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.clients import selectors as client_selectors
from coachcare.clients import services as client_services
from coachcare.clients.forms import NoteForm
from coachcare.coaching import selectors as coaching_selectors
from coachcare.core.dates import today
from coachcare.core.forms import service_errors_to_form
from coachcare.core.http import page_number, text_param
from coachcare.home import selectors as home_selectors
from coachcare.home.forms import MoveForm, ReferralForm
from coachcare.home.selectors import organisation_overview
from coachcare.trajectories import panels as trajectory_panels
from coachcare.trajectories import selectors as trajectory_selectors
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.deadlines import step_deadline
from coachcare.trajectories.models import ACTIVE_STATUSES, Trajectory


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's own start page."""
    user = actor_of(request)
    start = policy.start_page_of(user)
    if start is policy.StartPage.PORTAL:
        client = getattr(user, "client_record", None)
        if client is not None:
            return redirect("coaching:home")
        return render(request, "home/home_no_file.html")
    if start is policy.StartPage.CASELOAD:
        q = text_param(request.GET, "q")
        caseload = trajectory_selectors.caseload_list(
            actor=user, access_point=AccessPoint.from_request(request), page=page_number(request), search=q
        )
        home_selectors.signals_attach(actor=user, rows=caseload.object_list, lines=True)
        # The team lead sees the team's caseload (with a coach column), a coach their own.
        shows_team = policy.is_team_lead(user)
        context: dict[str, object] = {"page": caseload, "q": q, "shows_team": shows_team}
        if shows_team:
            context["age_bands"] = client_selectors.client_counts_by_age_band(actor=user)
        if policy.can_review_gate_decisions(user):
            context["approvals_waiting"] = trajectory_selectors.approval_queue_count(actor=user)
        return render(request, "home/home_caseload.html", context)
    if start in {policy.StartPage.RESIDENTS, policy.StartPage.FAMILY}:
        q = text_param(request.GET, "q")
        page = client_selectors.client_list(
            actor=user,
            access_point=AccessPoint.from_request(request),
            page=page_number(request),
            search=q,
            action="client.list",
        )
        template = {
            policy.StartPage.RESIDENTS: "home/home_residents.html",
            policy.StartPage.FAMILY: "home/home_parent.html",
        }[start]
        context = {"page": page, "q": q}
        if start is policy.StartPage.FAMILY:
            context["waiting"] = coaching_selectors.waiting_for(
                actor=user, access_point=AccessPoint.from_request(request)
            )
        return render(request, template, context)
    if start is policy.StartPage.POLICY:
        bands = client_selectors.client_counts_by_age_band(actor=user)
        return render(request, "home/home_policy.html", {"age_bands": bands})
    if start is policy.StartPage.ADMIN:
        return render(
            request,
            "home/home_admin.html",
            {"overview": organisation_overview(), "can_manage_staff": policy.can_manage_staff(user)},
        )
    return render(request, "home/home_no_file.html")


@dataclasses.dataclass(frozen=True, kw_only=True)
class FamilyPortal:
    """A family member's portal account in the family section: its state and whether the coach
    may invite them (gezag today)."""

    status: account_selectors.InvitationStatus
    may_invite: bool


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest) -> HttpResponse:
    """Register a young person and open their trajectory in one go (aanmelding)."""
    if not policy.can_refer(actor_of(request)):
        return HttpResponseForbidden(_("Only coaches and team leads can register a young person."))
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            trajectory = trajectory_services.referral_register(
                actor=actor_of(request),
                access_point=AccessPoint.from_request(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            client = trajectory.client
            messages.success(request, _("%(name)s has been registered.") % {"name": client.full_name})
            return redirect("clients:detail", public_id=client.public_id)
    return render(request, "home/refer.html", {"form": form})


@login_required
def client_file(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The client file: administrative data for everyone who may open it; for those who may see
    clinical content also the trajectory as a timeline, and for the treating coach the next step."""
    actor = actor_of(request)
    timeline = trajectory_selectors.client_timeline(
        actor=actor,
        public_id=public_id,
        access_point=AccessPoint.from_request(request),
    )
    client_file = timeline.file
    can_write = policy.can_write_clinical(actor, client_file.client)
    context: dict[str, object] = {
        "file": client_file,
        "timeline": timeline,
        "note_form": NoteForm() if can_write else None,
        "family": client_selectors.family_of(actor=actor, client=client_file.client),
        "can_move": policy.can_move_client(actor, client_file.client),
    }
    if client_file.shows_clinical:
        context.update(trajectory_panels.file_context(timeline=timeline, can_write=can_write))
        current = context.get("current")
        # The next step and its due date are the professionals' working list, not for the family.
        if isinstance(current, Trajectory) and current.status in ACTIVE_STATUSES and can_write:
            context["deadline"] = step_deadline(due=current.next_action_due, on=today())
        if policy.can_see_desk_signals(actor):
            # What is new since the last opening, then this opening becomes the new mark.
            context["signals"] = home_selectors.client_signals(actor=actor, client_ids=[client_file.client.pk]).get(
                client_file.client.pk
            )
            client_services.client_file_seen_record(actor=actor, client=client_file.client)
    if policy.can_invite_for_client(actor, client_file.client):
        context["portal_account"] = account_selectors.young_person_invitation_status(
            actor=actor, client=client_file.client
        )
        context["invitation_form"] = InvitationForm(
            initial={"first_name": client_file.client.given_name, "email": client_file.client.email}
        )
        family = context["family"]
        if isinstance(family, list):
            statuses = account_selectors.family_invitation_statuses(
                actor=actor, client=client_file.client, relations=[member.relation for member in family]
            )
            context["family_portal"] = {
                member.relation.pk: FamilyPortal(
                    status=statuses[member.relation.pk],
                    may_invite=policy.can_invite_family_member(actor, member.relation),
                )
                for member in family
            }
    return render(request, "home/client_file.html", context)


@login_required
def today_view(request: HttpRequest) -> HttpResponse:
    """The "vandaag" page: what needs the coach today on their own caseload, most pressing first."""
    actor = actor_of(request)
    if not policy.can_use_today_view(actor):
        raise Http404(_("There is no day overview for your role."))
    day = home_selectors.today_for(actor=actor, access_point=AccessPoint.from_request(request))
    return render(request, "home/today.html", {"day": day})


@login_required
def team_desk(request: HttpRequest) -> HttpResponse:
    """The team lead's desk: workload per coach and the decisions waiting for their approval."""
    actor = actor_of(request)
    if not policy.can_see_team_workload(actor):
        raise Http404(_("There is no team overview for your role."))
    access_point = AccessPoint.from_request(request)
    context = {
        "workload": home_selectors.team_workload(actor=actor),
        "gate_queue": trajectory_selectors.approval_queue(actor=actor, access_point=access_point),
        "exception_queue": trajectory_selectors.consent_exception_queue(actor=actor, access_point=access_point),
    }
    return render(request, "home/team.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_move(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A move to another municipality (woonplaatsbeginsel): the allocations at the old municipality
    end, the new one is asked (JW315), the trajectory runs on (``trajectories.services.client_move``)."""
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    client = client_selectors.client_file_get(
        actor=actor, public_id=public_id, access_point=access_point, action="client.move_form"
    ).client
    if not policy.can_move_client(actor, client):
        raise Http404(_("There is no such page for your role."))
    form = MoveForm(request.POST or None, initial={"on": today()}, current=client.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            result = trajectory_services.client_move(
                actor=actor,
                client=client,
                municipality=form.cleaned_data["municipality"],
                on=form.cleaned_data["on"],
                access_point=access_point,
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(name)s lives in %(municipality)s from %(date)s. Allocations ended at the old municipality: "
                    "%(ended)s; requested at the new one: %(requested)s."
                )
                % {
                    "name": client.full_name,
                    "municipality": result.change.to_municipality.name,
                    "date": date_format(result.change.effective_on, "j F Y"),
                    "ended": len(result.ended) + len(result.withdrawn),
                    "requested": len(result.requested),
                },
            )
            return redirect("clients:detail", public_id=client.public_id)
    return render(request, "home/client_move.html", {"form": form, "client": client})
