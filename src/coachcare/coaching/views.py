"""The young person's portal, the parents' view and the coach's side. No rules here: the
selectors and services check the access policy."""

import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.coaching import selectors, services
from coachcare.coaching.drafts import TICKET_FIELD, draft_restore, draft_ticket, keeps_draft
from coachcare.coaching.forms import (
    AnswerForm,
    AppointmentForm,
    AppointmentMoveForm,
    DiaryForm,
    FeedbackForm,
    GoalRatingForm,
    questionnaire_form,
)
from coachcare.coaching.ics import appointment_ics
from coachcare.core.forms import service_errors_to_form
from coachcare.core.http import int_param
from coachcare.measures.services import questionnaire_response_submit
from coachcare.trajectories import services as trajectory_services


def _messages_url() -> str:
    try:
        return reverse("messaging:index")
    except NoReverseMatch:
        return "/messages/"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The portal: the young person's start page, the parents' view; coaches go to their overview."""
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    if policy.is_parent(actor):
        children = selectors.parent_portal_get(actor=actor, access_point=access_point)
        return render(request, "coaching/parent.html", {"children": children})
    if policy.is_care_professional(actor):
        return redirect("coaching:coach_overview")
    portal = selectors.portal_get(actor=actor, access_point=access_point)
    waiting = selectors.waiting_for(actor=actor, access_point=access_point, portal=portal)
    context = {
        "portal": portal,
        "waiting": waiting,
        "diary_form": DiaryForm(),
        "diary_ticket": _diary_ticket(request, portal.client),
        "ticket_field": TICKET_FIELD,
        "messages_url": _messages_url(),
    }
    return render(request, "coaching/home.html", context)


def _diary_ticket(request: HttpRequest, client: Client) -> str:
    return draft_ticket(request, client=client, form="diary", fields=["mood", "text"], path=reverse("coaching:diary"))


@login_required
def module(request: HttpRequest) -> HttpResponse:
    """The current module: lessons to read and assignments to answer (its feedback is then read)."""
    response, page = _module_page(request)
    if response.status_code == 200:
        services.assignment_feedback_mark_read(actor=actor_of(request), client=page.client)
    return response


@login_required
def my_trajectory(request: HttpRequest) -> HttpResponse:
    """ "My trajectory": every module done and running with the young person's answers and the coach's
    feedback (kept after the module is finished), and after closure what happens next."""
    actor = actor_of(request)
    page = selectors.my_trajectory_get(actor=actor, access_point=AccessPoint.from_request(request))
    services.assignment_feedback_mark_read(actor=actor, client=page.client, running_only=False)
    return render(request, "coaching/trajectory.html", {"page": page})


def _module_page(
    request: HttpRequest, *, bound: AnswerForm | None = None, order: int = 0
) -> tuple[HttpResponse, selectors.ModulePage]:
    """The module page (and what it shows); ``bound``: the answer form of assignment ``order`` as
    posted, with its errors and the text as written (nothing typed is lost), answered with 400."""
    page = selectors.module_page_get(actor=actor_of(request), access_point=AccessPoint.from_request(request))
    module_path = reverse("coaching:module")
    items = []
    for item in page.assignments:
        prefix = f"a{item.assignment.order}"
        key = f"answer:{page.run.pk}:{item.assignment.order}" if page.run is not None else ""
        if bound is not None and item.assignment.order == order:
            form = bound
        else:
            kept = draft_restore(request, form=key) if key and not item.submitted else None
            text = kept.get(f"{prefix}-text", "") if kept else (item.answer.text if item.answer else "")
            form = AnswerForm(initial={"text": text}, prefix=prefix)
        ticket = (
            draft_ticket(request, client=page.client, form=key, fields=[f"{prefix}-text"], path=module_path)
            if key
            else ""
        )
        items.append((item, form, ticket))
    context = {"page": page, "items": items, "ticket_field": TICKET_FIELD}
    return render(request, "coaching/module.html", context, status=400 if bound else 200), page


@keeps_draft
@login_required
@require_POST
def answer_save(request: HttpRequest, order: int) -> HttpResponse:
    """Save an answer as a draft (``action=draft``) or submit it (``action=submit``)."""
    actor = actor_of(request)
    run, assignment = selectors.current_assignment_get(actor=actor, order=order)
    form = AnswerForm(request.POST, prefix=f"a{order}")
    submit = request.POST.get("action") == "submit"
    if form.is_valid():
        try:
            services.assignment_answer_save(
                actor=actor,
                module_run=run,
                assignment=assignment,
                text=form.cleaned_data["text"],
                submit=submit,
                access_point=AccessPoint.from_request(request),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Your answer has been submitted.") if submit else _("Your draft has been saved.")
            )
    else:
        # Not saved: show why, next to the answer, with the text as written (never dropped silently).
        return _module_page(request, bound=form, order=order)[0]
    return redirect(f"{reverse('coaching:module')}#assignment-{order}")


@keeps_draft
@login_required
@require_http_methods(["GET", "POST"])
def diary(request: HttpRequest) -> HttpResponse:
    """Diary check-in: a mood and optional text, and the young person's own recent entries. Sent
    after the session expired, the text is kept and comes back here after login."""
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    client = selectors.own_client(actor=actor)
    kept = draft_restore(request, form="diary")
    form = DiaryForm(request.POST or None, initial=kept or {})
    if request.method == "POST" and form.is_valid():
        try:
            services.diary_entry_add(
                actor=actor,
                client=client,
                mood=form.cleaned_data["mood"],
                text=form.cleaned_data["text"],
                access_point=access_point,
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(request, _("Thank you! Your check-in has been saved."))
            return redirect("coaching:diary")
    _client, entries = selectors.diary_list(actor=actor, access_point=access_point)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "entries": entries, "ticket": _diary_ticket(request, client), "ticket_field": TICKET_FIELD}
    return render(request, "coaching/diary.html", context, status=status)


@login_required
def appointment_calendar(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One appointment as an .ics file for the young person's (or invited parent's) own calendar."""
    appointment = selectors.appointment_for_calendar(
        actor=actor_of(request), public_id=public_id, access_point=AccessPoint.from_request(request)
    )
    response = HttpResponse(
        appointment_ics(appointment, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="coachcare-{appointment.public_id}.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, code: str) -> HttpResponse:
    """A questionnaire that is due, rendered from its definition; submitted through the measures service."""
    actor = actor_of(request)
    context_value = (request.POST.get("context") or request.GET.get("context") or "")[:100]
    client_value = (request.POST.get("client") or request.GET.get("client") or "")[:100]
    client, due, definition = selectors.due_questionnaire_get(
        actor=actor, code=code, context=context_value, client_public_id=client_value
    )
    name, instructions, items = selectors.questionnaire_items(definition)
    form = questionnaire_form(items, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire_response_submit(
                actor=actor,
                client=client,
                definition=definition,
                answers={key: int(value) for key, value in form.cleaned_data.items()},
                context=due.context,
                trajectory_public_id=due.trajectory_public_id,
                access_point=AccessPoint.from_request(request),
            )
        except (ValidationError, ValueError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you for your answers!"))
            return redirect("coaching:home")
    fields = [form[item.id] for item in items]
    return render(
        request,
        "coaching/questionnaire.html",
        {
            "name": name,
            "instructions": instructions,
            "form": form,
            "fields": fields,
            "due": due,
            "code": code,
            "client_value": client_value,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_rating(request: HttpRequest) -> HttpResponse:
    """GBO in the portal: the young person gives each goal a mark at the intake ("hoe sta je er nu
    voor?") and before each module evaluation ("hoe ver ben je met je doel?"); a parent rates their
    child's goals as second informant (``?client=``). Through the trajectories service, stored with
    the informant; the coach never enters these marks."""
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    client_value = (request.POST.get("client") or request.GET.get("client") or "")[:100]
    task = selectors.goal_rating_task_get(actor=actor, client_public_id=client_value, access_point=access_point)
    form = GoalRatingForm(
        request.POST or None, goals=[(item.goal.pk, item.goal.text, item.rating) for item in task.goals]
    )
    if request.method == "POST" and form.is_valid():
        try:
            trajectory_services.goal_ratings_submit(
                actor=actor, trajectory=task.trajectory, ratings=form.ratings(), access_point=access_point
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            if task.by_parent:
                messages.success(request, _("Thank you! The coach sees your marks next to those of your child."))
            else:
                messages.success(request, _("Thank you! Your coach sees your marks when you talk together."))
            return redirect("coaching:home")
    rows = [(item, form[f"goal_{item.goal.pk}"]) for item in task.goals]
    return render(
        request,
        "coaching/goal_rating.html",
        {"task": task, "form": form, "rows": rows, "client_value": client_value if task.by_parent else ""},
    )


# --- coach side -------------------------------------------------------------------------------------


@login_required
def coach_overview(request: HttpRequest) -> HttpResponse:
    overview = selectors.coach_overview_get(actor=actor_of(request), access_point=AccessPoint.from_request(request))
    return render(request, "coaching/coach_overview.html", {"overview": overview})


def _client_work_page(
    request: HttpRequest, public_id: UUID, appointment_form: AppointmentForm | None = None, status: int = 200
) -> HttpResponse:
    work = selectors.client_work_get(
        actor=actor_of(request),
        public_id=public_id,
        access_point=AccessPoint.from_request(request),
        page=int_param(request.GET, "page") or 1,
    )
    context = {
        "work": work,
        "feedback_forms": [(answer, FeedbackForm(prefix=str(answer.public_id))) for answer in work.answers],
        "appointment_form": appointment_form or AppointmentForm(initial={"kind": "offline"}),
    }
    return render(request, "coaching/coach_client.html", context, status=status)


@login_required
def coach_client(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _client_work_page(request, public_id)


@login_required
@require_POST
def feedback_give(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    answer = selectors.answer_for_feedback_get(actor=actor, public_id=public_id)
    form = FeedbackForm(request.POST, prefix=str(public_id))
    if form.is_valid():
        try:
            services.assignment_feedback_give(
                actor=actor,
                answer=answer,
                feedback=form.cleaned_data["feedback"],
                access_point=AccessPoint.from_request(request),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your feedback has been saved."))
    else:
        messages.error(request, _("Write your feedback."))
    return redirect("coaching:coach_client", public_id=answer.client.public_id)


@login_required
@require_POST
def appointment_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    work = selectors.client_work_get(actor=actor, public_id=public_id, access_point=access_point)
    form = AppointmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        zone = timezone.get_current_timezone()
        try:
            services.appointment_create(
                actor=actor,
                client=work.client,
                trajectory=work.trajectory,
                starts_at=datetime.datetime.combine(data["date"], data["start_time"], tzinfo=zone),
                ends_at=datetime.datetime.combine(data["date"], data["end_time"], tzinfo=zone),
                kind=data["kind"],
                location=data["location"],
                title=data["title"],
                with_parents=data["with_parents"],
                access_point=access_point,
            )
        except ValidationError as error:
            service_errors_to_form(form, error, rename={"ends_at": "end_time"})
        else:
            messages.success(request, _("The appointment has been planned."))
            return redirect("coaching:coach_client", public_id=public_id)
    return _client_work_page(request, public_id, appointment_form=form, status=400)


#: The two buttons of the attendance form (``name="attendance"``): one click each.
ATTENDANCE_CHOICES = {"attended": True, "not_attended": False}


@login_required
@require_POST
def appointment_attendance(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Mark a session that has begun "aanwezig" or "niet aanwezig" (delivery evidence for the
    municipality: only the date and this, never the content). A plain form: works without JS."""
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    appointment = selectors.appointment_for_change(actor=actor, public_id=public_id, access_point=access_point)
    back = reverse("coaching:coach_client", kwargs={"public_id": appointment.client.public_id}) + "#appointments"
    choice = request.POST.get("attendance", "")
    if choice not in ATTENDANCE_CHOICES or not policy.can_record_attendance(actor, appointment.client):
        messages.error(request, _("Choose attended or not attended."))
        return redirect(back)
    try:
        services.appointment_attendance_record(
            actor=actor, appointment=appointment, attended=ATTENDANCE_CHOICES[choice], access_point=access_point
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        when = date_format(timezone.localtime(appointment.starts_at), "j F Y")
        if ATTENDANCE_CHOICES[choice]:
            messages.success(
                request, _("Recorded: the young person attended the session of %(date)s.") % {"date": when}
            )
        else:
            messages.success(
                request, _("Recorded: the young person did not attend the session of %(date)s.") % {"date": when}
            )
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_change(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Move or cancel an appointment (the coach); the young person and invited parents are told
    without content, and the calendar file is updated (same UID, higher SEQUENCE)."""
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    appointment = selectors.appointment_for_change(actor=actor, public_id=public_id, access_point=access_point)
    back = reverse("coaching:coach_client", kwargs={"public_id": appointment.client.public_id})
    local = timezone.localtime(appointment.starts_at)
    initial = {
        "date": local.date(),
        "start_time": local.time().replace(second=0, microsecond=0),
        "end_time": timezone.localtime(appointment.ends_at).time().replace(second=0, microsecond=0),
        "kind": appointment.kind,
        "location": appointment.location,
    }
    action = request.POST.get("action") if request.method == "POST" else None
    form = AppointmentMoveForm(request.POST if action == "move" else None, initial=initial)
    status = 200
    if action == "cancel":
        try:
            services.appointment_cancel(actor=actor, appointment=appointment, access_point=access_point)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The appointment has been cancelled. The young person has been told."))
        return redirect(back)
    if action == "move":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            zone = timezone.get_current_timezone()
            try:
                services.appointment_move(
                    actor=actor,
                    appointment=appointment,
                    starts_at=datetime.datetime.combine(data["date"], data["start_time"], tzinfo=zone),
                    ends_at=datetime.datetime.combine(data["date"], data["end_time"], tzinfo=zone),
                    kind=data["kind"],
                    location=data["location"],
                    access_point=access_point,
                )
            except ValidationError as error:
                service_errors_to_form(form, error, rename={"ends_at": "end_time", "starts_at": "date"})
            else:
                messages.success(request, _("The appointment has been moved. The young person has been told."))
                return redirect(back)
    context = {"appointment": appointment, "form": form, "back": back}
    return render(request, "coaching/appointment_change.html", context, status=status)
