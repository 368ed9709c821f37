"""The iJw worklist of the provider's administration: held outgoing messages and refused records."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.ijw import selectors
from coachcare.ijw.codes import code_description


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_see_ijw_worklist(actor):
        return HttpResponseForbidden(_("You have no access to the iJw worklist."))
    found = selectors.ijw_worklist_for(actor=actor)
    held = [
        {
            "message": held.message_name,
            "municipality": held.municipality_code,
            "period": held.period,
            "clients": held.client_public_ids,
            "violations": [(rule, path, code_description(rule)) for rule, path in held.violations],
            "since": held.first_held_at,
        }
        for held in found.held
    ]
    refused = [
        {
            "message": record.answered_message_name,
            "identification": record.answered_identification,
            "record": record.record_key,
            "codes": [(code, code_description(code)) for code in record.retour_codes],
            "received": record.incoming.received_at,
        }
        for record in found.refused
    ]
    return render(request, "ijw/worklist.html", {"held": held, "refused": refused})
