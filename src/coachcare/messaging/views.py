"""Secure messages: the inbox, a thread with its post form, the poll for new messages, downloads.

The views hold no rules: the services and selectors check ``access.policy`` and log every access.
"""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.clients import selectors as client_selectors
from coachcare.clients.models import GezagRelation
from coachcare.coaching.drafts import TICKET_FIELD, draft_restore, draft_ticket, keeps_draft
from coachcare.core.dates import today
from coachcare.core.forms import service_errors_to_form
from coachcare.core.http import int_param, page_number, uuid_param
from coachcare.messaging import selectors, services
from coachcare.messaging.forms import MessageForm
from coachcare.messaging.models import Thread


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The coach's one inbox across the caseload; for a young person or parent: their threads."""
    actor = actor_of(request)
    if not policy.has_message_threads(actor):
        raise Http404(_("There are no messages for your role."))
    access_point = AccessPoint.from_request(request)
    if policy.is_young_person(actor):
        client = getattr(actor, "client_record", None)
        if client is not None and policy.can_message_about(actor, client, Thread.Kind.YOUTH):
            services.thread_for(actor=actor, client=client, kind=Thread.Kind.YOUTH, access_point=access_point)
        threads = selectors.threads_for_young_person(actor=actor, access_point=access_point, page=page_number(request))
    elif policy.is_parent(actor):
        for client in policy.clients_visible_to(actor):
            if policy.can_message_about(actor, client, Thread.Kind.PARENT, parent=actor):
                services.thread_for(
                    actor=actor, client=client, kind=Thread.Kind.PARENT, parent=actor, access_point=access_point
                )
        threads = selectors.threads_for_parent(actor=actor, access_point=access_point, page=page_number(request))
    else:
        threads = selectors.inbox_for(actor=actor, access_point=access_point, page=page_number(request))
    return render(
        request,
        "messaging/inbox.html",
        {
            "page": threads,
            "threads": threads.object_list,
            "is_professional": actor.is_professional,
            "thread_url": _thread_url_around_id(),
        },
    )


def _thread_url_around_id() -> tuple[str, str]:
    """The URL of a thread page before and after its public id: the inbox links every row with one
    ``reverse`` instead of one per row."""
    marker = UUID(int=0)
    before, _marker, after = reverse("messaging:thread", kwargs={"public_id": marker}).partition(str(marker))
    return before, after


@login_required
@require_POST
def thread_open(request: HttpRequest, client_public_id: UUID) -> HttpResponse:
    """From the client file: open (or create) the youth thread or a parent's thread."""
    actor = actor_of(request)
    client = client_selectors.client_get_for_actor(actor=actor, public_id=client_public_id)
    kind = request.POST.get("kind", "")
    parent = None
    if kind == Thread.Kind.PARENT:
        relation_id = int_param(request.POST, "relation")
        relation = (
            GezagRelation.objects.select_related("parent")
            .filter(policy.gezag_q(today()), client=client, pk=relation_id)
            .first()
            if relation_id
            else None
        )
        if relation is None or relation.parent is None:
            raise Http404(_("No such parent."))
        parent = relation.parent
    elif kind != Thread.Kind.YOUTH:
        return HttpResponseBadRequest(_("Unknown kind of conversation."))
    thread = services.thread_for(
        actor=actor, client=client, kind=kind, parent=parent, access_point=AccessPoint.from_request(request)
    )
    return redirect("messaging:thread", public_id=thread.public_id)


def _message_param(request: HttpRequest, name: str) -> UUID | None:
    """``?before=`` / ``?after=``: a message's public id, or none; anything else is a 400."""
    return uuid_param(request.GET, name)


def _thread_or_404(request: HttpRequest, public_id: UUID) -> Thread:
    return selectors.thread_get(actor=actor_of(request), public_id=public_id)


@keeps_draft
@login_required
@require_http_methods(["GET", "POST"])
def thread_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A conversation; a message sent after the session expired is kept and comes back after login."""
    actor = actor_of(request)
    draft_key = f"message:{public_id}"
    page = selectors.thread_page_get(actor=actor, public_id=public_id, draft_form=draft_key)
    thread = page.thread
    access_point = AccessPoint.from_request(request)
    can_post = policy.can_post_in_thread(actor, thread)
    kept = draft_restore(request, form=draft_key) if can_post and page.draft_kept else None
    form = MessageForm(request.POST or None, request.FILES or None, initial=kept or {})
    if request.method == "POST" and can_post and form.is_valid():
        try:
            message = services.message_post(
                actor=actor,
                thread=thread,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data.get("attachment") or None,
                access_point=access_point,
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            url = reverse("messaging:thread", kwargs={"public_id": thread.public_id})
            return redirect(f"{url}#message-{message.public_id}")
    elif request.method == "POST" and not can_post:
        raise Http404(_("You cannot write in this conversation."))
    before = _message_param(request, "before") if request.method == "GET" else None
    window = selectors.thread_window(actor=actor, thread=thread, access_point=access_point, before=before)
    if window.latest and window.messages:
        services.thread_mark_read(actor=actor, thread=thread, until=window.messages[-1].created_at)
    return render(
        request,
        "messaging/thread.html",
        {
            "thread": thread,
            "thread_messages": window.messages,
            "window": window,
            "last_message": window.messages[-1] if window.messages else None,
            "form": form if can_post else None,
            "ticket": draft_ticket(request, client=thread.client, form=draft_key, fields=["body"], path=request.path)
            if can_post
            else "",
            "ticket_field": TICKET_FIELD,
            "is_professional": actor.is_professional,
            "thread_readers": selectors.thread_readers(thread=thread),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def thread_new_messages(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The htmx poll: only messages newer than ``?after=<message public id>``, as list items.

    Nothing new: 204 No Content, on which htmx swaps nothing and keeps polling.
    """
    actor = actor_of(request)
    thread = selectors.thread_get_polled(actor=actor, public_id=public_id)
    after = _message_param(request, "after")
    new_messages = selectors.thread_messages(
        actor=actor, thread=thread, access_point=AccessPoint.from_request(request), after=after
    )
    if not new_messages:  # htmx swaps nothing on a 204 and polls on: no template to render
        return HttpResponse(status=204)  # Cache-Control: no-store from core.middleware.NoStoreMiddleware
    services.thread_mark_read(actor=actor, thread=thread, until=new_messages[-1].created_at)
    return render(
        request,
        "messaging/_new_messages.html",
        {
            "thread": thread,
            "thread_messages": new_messages,
            "last_message": new_messages[-1],
        },
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, public_id: UUID, attachment_public_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    thread = _thread_or_404(request, public_id)
    attachment, data = selectors.attachment_get(
        actor=actor, thread=thread, public_id=attachment_public_id, access_point=AccessPoint.from_request(request)
    )
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
