from typing import Any

from django import template

register = template.Library()


@register.filter
def portal_of(family_portal: dict[int, Any] | None, relation_id: int) -> Any:
    """The portal account of one family member in the family section (None when not shown)."""
    if not family_portal:
        return None
    return family_portal.get(relation_id)
