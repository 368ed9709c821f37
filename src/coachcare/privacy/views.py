"""Screens for data rights: consent, download my data, destruction. No rules here: services and
selectors of this app and ``coachcare.access.policy`` decide."""

import json
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint, Channel
from coachcare.clients import services as client_services
from coachcare.clients.models import Client, GezagRelation, ParentAccessDecision
from coachcare.core.http import int_param, uuid_param
from coachcare.privacy import pdf, selectors, services
from coachcare.privacy.forms import RefuseForm
from coachcare.privacy.models import DestructionRequest
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.models import Agreement, Trajectory


def _own_client(request: HttpRequest) -> Client:
    actor = actor_of(request)
    client = Client.objects.filter(user=actor).first() if policy.is_young_person(actor) else None
    if client is None:
        raise Http404(_("No file of your own."))
    return client


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_use_data_rights(actor):
        raise Http404(_("This page is for young people and parents."))
    clients = selectors.consent_clients_for(actor=actor)
    files = [
        {
            "client": client,
            "can_export": policy.can_export_client_data(actor, client),
            "open_request": selectors.destruction_request_open_for(client_public_id=client.public_id),
        }
        for client in clients
    ]
    return render(request, "privacy/index.html", {"files": files, "is_young_person": policy.is_young_person(actor)})


@login_required
def consent(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_use_data_rights(actor):
        raise Http404(_("This page is for young people and parents."))
    access_point = AccessPoint.from_request(request)
    statuses = [
        selectors.consent_status(actor=actor, client=client, access_point=access_point)
        for client in selectors.consent_clients_for(actor=actor)
    ]
    return render(request, "privacy/consent.html", {"statuses": statuses})


@login_required
@require_POST
def consent_change(request: HttpRequest, trajectory_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    trajectory = Trajectory.objects.select_related("client").filter(public_id=trajectory_id).first()
    if trajectory is None or not policy.can_give_consent(actor, trajectory.client):
        raise Http404(_("No such trajectory."))
    action = request.POST.get("action", "")
    kind = Agreement.Kind.PLAN if action.endswith("plan") else Agreement.Kind.CARE
    access_point = AccessPoint.from_request(request)
    try:
        if action in {"give_care", "agree_plan"}:
            trajectory_services.agreement_record(
                actor=actor, trajectory=trajectory, kind=kind, given_by=actor, access_point=access_point
            )
            messages.success(request, _("Thank you. Your consent has been recorded."))
        elif action in {"revoke_care", "revoke_plan"}:
            for agreement in Agreement.objects.filter(
                trajectory=trajectory, kind=kind, given_by=actor, revoked_at__isnull=True
            ):
                trajectory_services.agreement_revoke(actor=actor, agreement=agreement, access_point=access_point)
            messages.success(request, _("Your consent has been withdrawn."))
        else:
            messages.error(request, _("Unknown choice."))
    except (ValidationError, policy.AccessDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("privacy:consent")


@login_required
@require_POST
def parent_access(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    client = _own_client(request)
    relation_id = int_param(request.POST, "relation")
    relation = (
        GezagRelation.objects.filter(client=client, pk=relation_id, parent__isnull=False)
        .select_related("parent")
        .first()
        if relation_id
        else None
    )
    if relation is None or relation.parent is None:
        raise Http404(_("No such parent."))
    access_point = AccessPoint.from_request(request)
    allow = request.POST.get("allow") == "yes"
    current = ParentAccessDecision.objects.filter(
        client=client, parent=relation.parent, kind=ParentAccessDecision.Kind.CONSENTED, revoked_at__isnull=True
    )
    with policy.refusing(_("Only the young person can give this consent.")):
        if allow and not current.exists():
            client_services.parent_access_consent(
                actor=actor, client=client, parent=relation.parent, access_point=access_point
            )
        elif not allow:
            for decision in current:
                client_services.parent_access_revoke(actor=actor, decision=decision, access_point=access_point)
    messages.success(request, _("Your choice has been saved."))
    return redirect("privacy:consent")


def _export_client(request: HttpRequest, public_id: UUID | None) -> Client:
    actor = actor_of(request)
    if public_id is None:
        return _own_client(request)
    client = policy.clients_visible_to(actor).filter(public_id=public_id).first()
    if client is None:
        raise Http404(_("No such client file."))
    return client


def _export(request: HttpRequest, public_id: UUID | None) -> services.ClientDataExport:
    client = _export_client(request, public_id)
    return services.client_data_export(
        actor=actor_of(request),
        client=client,
        access_point=AccessPoint.from_request(request, channel=Channel.EXPORT),
    )


@login_required
@require_GET
def export_json(request: HttpRequest, public_id: UUID | None = None) -> HttpResponse:
    export = _export(request, public_id)
    body = json.dumps(export.as_json(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="coachcare-{export.client.public_id}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_pdf(request: HttpRequest, public_id: UUID | None = None) -> HttpResponse:
    export = _export(request, public_id)
    html = render_to_string("privacy/export_pdf.html", {"export": export}, request=request)
    response = HttpResponse(pdf.html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="coachcare-{export.client.public_id}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def destruction(request: HttpRequest) -> HttpResponse:
    """Ask for destruction of one's own file, in two steps: explanation, then confirmation."""
    actor = actor_of(request)
    client = _own_client(request)
    open_request = selectors.destruction_request_open_for(client_public_id=client.public_id)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    error = ""
    if step == "confirm" and open_request is None:
        if request.POST.get("understood") != "yes":
            error = _("Tick the box to confirm that you understand what will happen.")
            step = "review"
        else:
            try:
                services.destruction_request_create(
                    actor=actor, client=client, access_point=AccessPoint.from_request(request)
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
                step = ""
            else:
                messages.success(request, _("Your request has been sent. We will handle it within three months."))
                return redirect("privacy:destruction")
    return render(
        request,
        "privacy/destruction.html",
        {"client": client, "open_request": open_request, "step": step, "error": error},
    )


@login_required
@require_http_methods(["GET", "POST"])
def destruction_requests(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_review_destruction_requests(actor):
        raise Http404(_("This page is for the provider's coaches and team leads."))
    access_point = AccessPoint.from_request(request)
    form = RefuseForm()
    failed: UUID | None = None
    if request.method == "POST":
        request_id = uuid_param(request.POST, "request")
        item = DestructionRequest.objects.filter(public_id=request_id).first() if request_id else None
        if item is None:
            raise Http404(_("No such request."))
        try:
            if request.POST.get("action") == "execute":
                services.destruction_execute(actor=actor, request=item, access_point=access_point)
                messages.success(request, _("The clinical content of the file has been destroyed."))
                return redirect("privacy:destruction_requests")
            form = RefuseForm(request.POST)
            if form.is_valid():
                services.destruction_refuse(
                    actor=actor, request=item, reason=form.cleaned_data["reason"], access_point=access_point
                )
                messages.success(request, _("The request has been refused; the reason has been recorded."))
                return redirect("privacy:destruction_requests")
            failed = item.public_id
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            failed = item.public_id
    items = selectors.destruction_requests_open(actor=actor, access_point=access_point)
    return render(request, "privacy/destruction_requests.html", {"items": items, "form": form, "failed": failed})
