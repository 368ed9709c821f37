"""Nothing typed is lost when the session expires (view helpers; the rules are in
``coaching.services``: ``draft_ticket_sign``, ``draft_keep``, ``draft_take``).

A form that holds clinical text (diary, assignment answer, message) carries a signed ticket in a
hidden ``_draft`` field: whose form it is, for which client, which fields to keep and where the
form is shown. When it is sent after the session expired, ``keeps_draft`` (placed outside
``login_required``) keeps the named fields server-side, encrypted, for that writer, and sends the
browser to the login page; after login the form's view gets the text back with ``draft_restore``,
with the notice "je sessie was verlopen; je tekst is bewaard". Works without JavaScript.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.coaching import services

TICKET_FIELD = "_draft"

View = Callable[..., HttpResponse]


def keeps_draft(view: View) -> View:
    """An anonymous POST with a valid ticket: keep the text, then go to the login page, which
    returns to the form. Otherwise the view (behind ``login_required``) runs as usual."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not request.user.is_authenticated:
            ticket = services.draft_ticket_read(token=request.POST.get(TICKET_FIELD, ""))
            if ticket is not None:
                data = {name: request.POST.get(name, "") for name in ticket.fields}
                services.draft_keep(ticket=ticket, data=data, access_point=AccessPoint.from_request(request))
                path = ticket.path if ticket.path.startswith("/") and not ticket.path.startswith("//") else "/"
                return redirect_to_login(path)
        return view(request, *args, **kwargs)

    return wrapper


def draft_ticket(request: HttpRequest, *, client: Client, form: str, fields: list[str], path: str) -> str:
    """The ticket for a form of ``client`` shown to the logged-in user."""
    user = request.user
    assert isinstance(user, User)
    return services.draft_ticket_sign(actor=user, client=client, form=form, fields=fields, path=path)


def draft_restore(request: HttpRequest, *, form: str) -> dict[str, str] | None:
    """The text kept for this form, if any, with the notice that the session had expired."""
    user = request.user
    if not isinstance(user, User) or request.method != "GET":
        return None
    data = services.draft_take(actor=user, form=form, access_point=AccessPoint.from_request(request))
    if data is not None:
        messages.warning(request, _("Your session had expired; your text has been kept."))
    return data
