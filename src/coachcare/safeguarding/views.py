from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.core.forms import service_errors_to_form
from coachcare.safeguarding import selectors, services
from coachcare.safeguarding.forms import MeldcodeStepForm
from coachcare.safeguarding.services import AFWEGINGSKADER_FIELDS


@require_GET
def crisis_help(request: HttpRequest) -> HttpResponse:
    """ "Need help? Right now": the crisis numbers, for anyone, with or without a login.

    A young person or parent also sees their provider's out-of-hours number."""
    providers = selectors.crisis_providers_for(user=request.user)
    return render(request, "safeguarding/help.html", {"providers": providers})


@login_required
@require_GET
def meldcode_client(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The meldcode cases of one client, for their coach and team lead only."""
    actor = actor_of(request)
    client, cases = selectors.meldcode_cases_for_client(
        actor=actor, public_id=public_id, access_point=AccessPoint.from_request(request)
    )
    return render(request, "safeguarding/client_cases.html", {"client": client, "cases": cases})


@login_required
@require_POST
def meldcode_open(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    try:
        client = selectors.meldcode_client_get(actor=actor, public_id=public_id)
        case = services.meldcode_case_open(actor=actor, client=client, access_point=AccessPoint.from_request(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("safeguarding:meldcode_client", public_id=public_id)
    messages.success(request, _("The meldcode case has been opened. Start by mapping the signals (step 1)."))
    return redirect("safeguarding:meldcode_case", public_id=case.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def meldcode_case(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One meldcode case: its steps, the afwegingskader's advice and the form for the next step."""
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    view = selectors.meldcode_case_get(actor=actor, public_id=public_id, access_point=access_point)
    client = view.case.client
    team_leads = selectors.meldcode_team_leads(client=client)
    form = MeldcodeStepForm(request.POST or None, team_leads=team_leads)
    if request.method == "POST" and view.case.is_open and form.is_valid():
        data = form.cleaned_data
        try:
            services.meldcode_step_record(
                actor=actor,
                case=view.case,
                step=data["step"],
                performed_on=data["performed_on"],
                notes=data["notes"],
                consulted=data["consulted"],
                consulted_name=data["consulted_name"],
                answers={field: data[field] for field in AFWEGINGSKADER_FIELDS},
                decision=data["decision"],
                team_lead=data["team_lead"],
                access_point=access_point,
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(request, _("The step has been recorded."))
            return redirect("safeguarding:meldcode_case", public_id=public_id)
    return render(request, "safeguarding/case.html", {"view": view, "client": client, "form": form})
