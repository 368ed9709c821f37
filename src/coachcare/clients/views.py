import csv
import logging
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coachcare.access import policy
from coachcare.accounts import selectors as account_selectors
from coachcare.accounts import services as account_services
from coachcare.accounts import views as account_views
from coachcare.accounts.forms import InvitationForm
from coachcare.accounts.http import actor_of
from coachcare.accounts.models import Invitation
from coachcare.audit.forms import AccessLogFilterForm
from coachcare.audit.selectors import access_log_for_client, access_log_people
from coachcare.audit.services import AccessPoint, Channel
from coachcare.clients import selectors, services
from coachcare.clients.forms import CarerAddForm, CarerForm, ContactForm, GezagChangeForm, NoteForm
from coachcare.clients.models import Client
from coachcare.core.forms import form_submit
from coachcare.core.mail import MAIL_ERRORS

logger = logging.getLogger(__name__)


@login_required
@require_POST
def note_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    client = selectors.client_get_for_actor(actor=actor_of(request), public_id=public_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.client_note_add(
                actor=actor_of(request),
                client=client,
                text=form.cleaned_data["text"],
                access_point=AccessPoint.from_request(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The note has been saved."))
    else:
        messages.error(request, _("The note was not saved: it is empty or too long."))
    return redirect("clients:detail", public_id=public_id)


@login_required
def access_log(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Who opened this file: for the young person themselves and the security officer. The whole
    log page by page, narrowed by a role or person and a period (``?who=&date_from=&date_to=&page=``)."""
    actor = actor_of(request)
    client = selectors.client_get_for_actor(actor=actor, public_id=public_id)
    form = AccessLogFilterForm(request.GET or None, people=access_log_people(actor=actor, client=client))
    log = access_log_for_client(
        actor=actor,
        client=client,
        access_point=AccessPoint.from_request(request),
        page=request.GET.get("page") or 1,
        chosen=form.chosen(),
    )
    return render(
        request,
        "clients/access_log.html",
        {
            "client": client,
            "log": log,
            "entries": log.entries,
            "page": log.page,
            "form": form,
        },
    )


@login_required
def my_access_log(request: HttpRequest) -> HttpResponse:
    client = getattr(request.user, "client_record", None)
    if not policy.is_young_person(actor_of(request)) or client is None:
        raise Http404(_("No file of your own."))
    return redirect("clients:access_log", public_id=client.public_id)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def export_csv(request: HttpRequest) -> HttpResponseBase:
    """Download the administrative list of one's clients as CSV (every row is access-logged)."""
    actor = actor_of(request)
    if not policy.can_export_clients(actor):
        return HttpResponseForbidden(_("This export is not available for your role."))
    writer = csv.writer(_Echo())
    rows = selectors.client_export_rows(
        actor=actor, access_point=AccessPoint.from_request(request, channel=Channel.EXPORT)
    )
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="coachcare-clients.csv"'
    return response


@login_required
@require_POST
def invite(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """ "Invite to the portal": e-mail the young person a link to make their account."""
    actor = actor_of(request)
    client = selectors.client_get_for_actor(actor=actor, public_id=public_id)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nobody was invited: enter a first name and a valid e-mail address."))
        return redirect(_portal_account(client.public_id))
    try:
        with policy.refusing(_("You cannot invite for this file.")):
            account_services.invitation_create(
                actor=actor,
                target=account_services.YoungPersonTarget(client=client),
                first_name=form.cleaned_data["first_name"],
                email=form.cleaned_data["email"],
                access_point=AccessPoint.from_request(request),
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except MAIL_ERRORS:
        logger.exception("invitation e-mail could not be sent")
        messages.error(request, _("The e-mail could not be sent, so nobody was invited. Try again later."))
    else:
        messages.success(request, _("The invitation has been sent."))
    return redirect(_portal_account(client.public_id))


@login_required
@require_POST
def family_member_invite(request: HttpRequest, public_id: UUID, relation_id: int) -> HttpResponse:
    """ "Invite to the portal" for a family member, at the e-mail address on their record."""
    actor = actor_of(request)
    client = _client_for_family(request, public_id)
    relation = selectors.family_member_get(actor=actor, client=client, relation_id=relation_id)
    if not policy.can_invite_family_member(actor, relation):
        messages.error(request, _("Only a parent or carer with gezag can be invited to the portal."))
        return redirect(_family_url(client))
    try:
        with policy.refusing(_("You cannot invite for this file.")):
            account_services.family_member_invite(
                actor=actor, relation=relation, access_point=AccessPoint.from_request(request)
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except MAIL_ERRORS:
        logger.exception("invitation e-mail could not be sent")
        messages.error(request, _("The e-mail could not be sent, so nobody was invited. Try again later."))
    else:
        messages.success(request, _("The invitation has been sent."))
    return redirect(_family_url(client))


@login_required
@require_POST
def invitation_change(request: HttpRequest, public_id: UUID, pk: int, action: str) -> HttpResponse:
    """Resend or revoke the invitation of the young person or of a family member."""
    actor = actor_of(request)
    client = selectors.client_get_for_actor(actor=actor, public_id=public_id)
    invitation = account_selectors.client_invitation_get(actor=actor, client=client, pk=pk)
    account_views.invitation_change(request, actor=actor, invitation=invitation, action=action)
    if invitation.kind == Invitation.Kind.PARENT:
        return redirect(_family_url(client))
    return redirect(_portal_account(client.public_id))


def _portal_account(public_id: UUID) -> str:
    return reverse("clients:detail", kwargs={"public_id": public_id}) + "#portal-account"


# --- contact details and the family (gezinsleden, gezag) ---------------------------------------------


def _client_for_family(request: HttpRequest, public_id: UUID) -> Client:
    """The client whose family the actor manages (the treating professionals); 404 otherwise."""
    actor = actor_of(request)
    client = selectors.client_get_for_actor(actor=actor, public_id=public_id)
    if not policy.can_manage_family(actor, client):
        raise Http404(_("No such client file."))
    return client


def _family_url(client: Client) -> str:
    return reverse("clients:detail", kwargs={"public_id": client.public_id}) + "#family"


def _form_page(
    request: HttpRequest, client: Client, form: forms.Form, *, title: str, intro: str, button: str
) -> HttpResponse:
    return render(
        request,
        "clients/family_form.html",
        {"client": client, "form": form, "title": title, "intro": intro, "button": button, "action": request.path},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The young person's e-mail address and mobile number."""
    client = _client_for_family(request, public_id)
    form = ContactForm(request.POST or None, initial={"email": client.email, "mobile": client.mobile})
    if request.method == "POST" and form_submit(
        form,
        lambda: services.client_contact_update(
            actor=actor_of(request),
            client=client,
            email=form.cleaned_data["email"],
            mobile=form.cleaned_data["mobile"],
            access_point=AccessPoint.from_request(request),
        ),
    ):
        messages.success(request, _("The contact details have been saved."))
        return redirect(_family_url(client))
    return _form_page(
        request,
        client,
        form,
        title=_("Contact details of %(name)s") % {"name": client.full_name},
        intro=_("The e-mail address and mobile number of the young person, for invitations and notices."),
        button=_("Save"),
    )


def _details(form: CarerForm) -> services.CarerDetails:
    data = form.cleaned_data
    return services.CarerDetails(
        kind=data["kind"],
        given_name=data["given_name"],
        family_name=data["family_name"],
        organisation_name=data["organisation_name"],
        email=data["email"],
        mobile=data["mobile"],
        bsn=data["bsn"],
        uses_portal=data["uses_portal"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def carer_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Record a parent, a voogd (a person or a gecertificeerde instelling) or another carer."""
    client = _client_for_family(request, public_id)
    form = CarerAddForm(request.POST or None)
    if request.method == "POST" and form_submit(
        form,
        lambda: services.carer_add(
            actor=actor_of(request),
            client=client,
            details=_details(form),
            has_gezag=form.cleaned_data["has_gezag"],
            gezag_from=form.cleaned_data["gezag_from"],
            gezag_source=form.cleaned_data["gezag_source"],
            access_point=AccessPoint.from_request(request),
        ),
    ):
        messages.success(request, _("The family member has been recorded."))
        return redirect(_family_url(client))
    return _form_page(
        request,
        client,
        form,
        title=_("Add a family member"),
        intro=_(
            "A parent or another carer, with or without parental authority (gezag). A parent without gezag "
            "gets general information only, never the file. When a gecertificeerde instelling is the voogd, "
            "it consents instead of the parents."
        ),
        button=_("Add family member"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def carer_edit(request: HttpRequest, public_id: UUID, relation_id: int) -> HttpResponse:
    """Change a family member's details; their gezag changes on its own page (date, source)."""
    client = _client_for_family(request, public_id)
    actor = actor_of(request)
    relation = selectors.family_member_get(actor=actor, client=client, relation_id=relation_id)
    initial = {
        "kind": relation.kind,
        "given_name": relation.given_name,
        "family_name": relation.family_name,
        "organisation_name": relation.organisation_name,
        "email": relation.email,
        "mobile": relation.mobile,
        "uses_portal": "yes" if relation.uses_portal else "no",
    }
    form = CarerForm(request.POST or None, initial=initial)
    form.fields["bsn"].help_text = _("Leave empty to keep the BSN recorded.") if relation.bsn else ""
    if request.method == "POST" and form_submit(
        form,
        lambda: services.carer_update(
            actor=actor, relation=relation, details=_details(form), access_point=AccessPoint.from_request(request)
        ),
    ):
        messages.success(request, _("The details of %(name)s have been saved.") % {"name": relation.display_name})
        return redirect(_family_url(client))
    return _form_page(
        request,
        client,
        form,
        title=_("Details of %(name)s") % {"name": relation.display_name},
        intro=_("Their gezag is changed with its own form, with the date and the source document."),
        button=_("Save"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def gezag_change(request: HttpRequest, public_id: UUID, relation_id: int) -> HttpResponse:
    """Record that gezag ends or begins, from a date, on a source document."""
    client = _client_for_family(request, public_id)
    actor = actor_of(request)
    relation = selectors.family_member_get(actor=actor, client=client, relation_id=relation_id)
    form = GezagChangeForm(request.POST or None, initial={"has_gezag": "no" if relation.has_gezag else "yes"})
    if request.method == "POST" and form_submit(
        form,
        lambda: services.gezag_change(
            actor=actor,
            relation=relation,
            has_gezag=form.cleaned_data["has_gezag"],
            effective_on=form.cleaned_data["effective_on"],
            source_document=form.cleaned_data["source_document"],
            access_point=AccessPoint.from_request(request),
        ),
    ):
        messages.success(request, _("The change of gezag has been recorded."))
        return redirect(_family_url(client))
    return _form_page(
        request,
        client,
        form,
        title=_("Change of gezag: %(name)s") % {"name": relation.display_name},
        intro=_(
            "From the day you enter, the access rules and the consent follow the change: a parent whose gezag "
            "ended no longer sees the file and no longer needs to consent."
        ),
        button=_("Record change"),
    )
