from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coachcare.access import policy
from coachcare.accounts.models import Role
from coachcare.audit.services import AccessPoint
from coachcare.clients import selectors as client_selectors
from coachcare.coaching import selectors as coaching_selectors
from coachcare.core.http import actor_of, page_number, text_param
from coachcare.core.selectors import organisation_overview
from coachcare.trajectories import selectors as trajectory_selectors


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means not ready
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's own start page."""
    user = actor_of(request)
    role = Role(user.role)
    if role == Role.JONGERE:
        client = getattr(user, "client_record", None)
        if client is not None:
            return redirect("coaching:home")
        return render(request, "core/home_no_file.html")
    if role in {Role.COACH, Role.TEAMLEIDER}:
        q = text_param(request.GET, "q")
        caseload = trajectory_selectors.caseload_list(
            actor=user, access_point=AccessPoint.from_request(request), page=page_number(request), search=q
        )
        context: dict[str, object] = {"page": caseload, "q": q}
        if role == Role.TEAMLEIDER:
            context["age_bands"] = client_selectors.client_counts_by_age_band(actor=user)
        if policy.can_review_gate_decisions(user):
            context["approvals_waiting"] = trajectory_selectors.approval_queue_count(actor=user)
        return render(request, "core/home_caseload.html", context)
    if role in {Role.GEMEENTE_TOEGANG, Role.OUDER}:
        q = text_param(request.GET, "q")
        page = client_selectors.client_list(
            actor=user,
            access_point=AccessPoint.from_request(request),
            page=page_number(request),
            search=q,
            action="client.list",
        )
        template = {
            Role.GEMEENTE_TOEGANG: "core/home_residents.html",
            Role.OUDER: "core/home_parent.html",
        }[role]
        context = {"page": page, "q": q}
        if role == Role.OUDER:
            context["waiting"] = coaching_selectors.waiting_for(
                actor=user, access_point=AccessPoint.from_request(request)
            )
        return render(request, template, context)
    if role == Role.GEMEENTE_BELEID:
        bands = client_selectors.client_counts_by_age_band(actor=user)
        return render(request, "core/home_policy.html", {"age_bands": bands})
    if role == Role.BEHEERDER:
        return render(
            request,
            "core/home_admin.html",
            {"overview": organisation_overview(), "can_manage_staff": policy.can_manage_staff(user)},
        )
    return render(request, "core/home_no_file.html")
