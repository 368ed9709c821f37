"""The navigation per role on every page (a context processor: it reads policy and messaging)."""

import functools
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from coachcare.access import policy
from coachcare.messaging.badge import badge_count
from coachcare.messaging.selectors import UNREAD_BADGE_MAX, unread_count


def _unread_badge(actor: Any) -> str:
    """The badge's text: nothing without unread messages, the number, or "99+" beyond 99."""
    count = badge_count(user_id=actor.pk, count=functools.partial(unread_count, actor=actor))
    if count > UNREAD_BADGE_MAX:
        return f"{UNREAD_BADGE_MAX}+"
    return str(count) if count else ""


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Main navigation per role: only links the role can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if user.is_professional and not getattr(user, "is_verified", lambda: False)():
        # Between password and TOTP code: every link would only lead back to the code page.
        return {"nav_items": []}
    items: list[tuple[str, Any]] = [("core:home", _("Home"))]
    if policy.can_use_today_view(user):
        items.append(("core:today", _("Today")))
    if policy.can_see_team_workload(user):
        items.append(("core:team", _("Team")))
    if policy.can_refer(user):
        items.append(("clients:refer", _("Register a young person")))
    if policy.can_decide_allocations(user):
        items.append(("contracts:allocation_list", _("Allocation requests")))
    if policy.can_see_contract_budgets(user):
        items.append(("contracts:contract_budget_list", _("Contracts and budgets")))
    if policy.can_see_declarations(user):
        items.append(("declarations:declaration_list", _("Declarations")))
    if policy.can_see_ijw_worklist(user):
        items.append(("ijw:worklist", _("iJw worklist")))
    if policy.can_see_ijw_change_requests(user):
        items.append(("ijw:change_request_list", _("Change requests")))
    if policy.can_see_municipality_dashboard(user):
        items.append(("monitoring:municipality", _("Outcomes")))
    if policy.can_see_provider_dashboard(user):
        items.append(("monitoring:provider", _("Outcomes")))
    if policy.can_review_gate_decisions(user):
        items.append(("trajectories:approvals", _("Decisions to approve")))
    if policy.can_set_gate_approvals(user):
        items.append(("trajectories:gate_settings", _("Gate settings")))
    if policy.can_export_clients(user):
        items.append(("clients:export", _("Download list (CSV)")))
    unread_messages: Any = ""
    if policy.has_message_threads(user):
        items.append(("messaging:inbox", _("Messages")))
        # Counted only when a template shows it (base.html): partial pages such as the message poll
        # render with this context too, many times a minute, and never show the badge.
        unread_messages = SimpleLazyObject(functools.partial(_unread_badge, user))
    if policy.can_see_own_access_log(user):
        items.append(("clients:my_access_log", _("Who opened my file")))
    if policy.can_use_data_rights(user):
        items.append(("privacy:index", _("Privacy and my data")))
    if policy.can_review_destruction_requests(user):
        items.append(("privacy:destruction_requests", _("Requests to destroy a file")))
    if policy.can_manage_staff(user):
        items.append(("staff:list", _("Staff accounts")))
    if policy.can_use_admin_site(user):
        items.append(("admin:index", _("Administration")))
    return {"nav_items": items, "nav_unread_messages": unread_messages}
