import datetime
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from coachcare.clients.models import Client
from coachcare.privacy import labels
from coachcare.privacy.models import DestructionRecord
from coachcare.privacy.selectors import destruction_record_for

register = template.Library()


@register.filter
def export_value(value: Any) -> str:
    """One value of an export row, readable: dates in words, lists and answers spelled out."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "j F Y, H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "j F Y")
    if isinstance(value, dict):
        return "\n".join(f"{key}: {export_value(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(export_value(item) for item in value) or "—"
    return str(value)


@register.filter
def field_label(key: str) -> str:
    return labels.field_label(key)


@register.inclusion_tag("privacy/_destruction_notice.html")
def destruction_notice(client: Client) -> dict[str, DestructionRecord | None]:
    """On the client file: the clinical content was destroyed on <date>, at the young person's request or
    because the retention period ended."""
    return {"record": destruction_record_for(client_public_id=client.public_id)}
