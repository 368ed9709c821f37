"""``{% crisis_entry_shown as show %}``: whether the page carries the "Need help? Right now" entry."""

from typing import Any

from django import template

from coachcare.access import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def crisis_entry_shown(context: template.Context) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else context.get("user")
    return policy.sees_crisis_entry(user)


@register.filter
def yes_no_unknown(value: Any) -> str:
    """For the afwegingskader's answers: yes, no or not answered (translated)."""
    from django.utils.translation import gettext

    if value is None:
        return gettext("not answered")
    return gettext("yes") if value else gettext("no")


@register.simple_tag(takes_context=True)
def meldcode_allowed(context: template.Context, client: Any) -> bool:
    """Whether the logged-in user may open the meldcode of ``client`` (the link in the client file)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and policy.can_use_meldcode(user, client)
