"""Writing the NEN 7513 access log. Every read or change of client data goes through here."""

import dataclasses
from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry

Event = AccessLogEntry.Event
Channel = AccessLogEntry.Channel


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessPoint:
    """Where an access came from: the channel (web, API, admin, export, command) and the address."""

    channel: str
    address: str
    on_behalf_of: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, *, channel: str = Channel.WEB) -> "AccessPoint":
        address = request.META.get("REMOTE_ADDR") or "unknown"
        return cls(channel=channel, address=address[:200])

    @classmethod
    def command(cls, name: str) -> "AccessPoint":
        return cls(channel=Channel.COMMAND, address=f"manage.py {name}"[:200])


def access_log_record(
    *,
    actor: User,
    event: str,
    action: str,
    client_ids: Iterable[UUID | None],
    access_point: AccessPoint,
) -> int:
    """Write one entry per client accessed, in one query. Returns the number of entries written."""
    now = timezone.now()
    entries = [
        AccessLogEntry(
            timestamp=now,
            event=event,
            action=action,
            client_public_id=client_id,
            user_id=actor.pk,
            username=actor.get_username(),
            user_display_name=actor.display_name,
            role=actor.role,
            on_behalf_of=access_point.on_behalf_of,
            channel=access_point.channel,
            access_point=access_point.address,
        )
        for client_id in client_ids
    ]
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)
