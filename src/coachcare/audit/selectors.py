"""Reading the access log: "who opened my file", in plain words."""

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client


def access_log_for_client(
    *, actor: User, client: Client, access_point: AccessPoint, limit: int = 200
) -> list[AccessLogEntry]:
    """The most recent access-log entries of one client's file, for those who may see them.

    Looking at the log is itself an access to the file, so it is logged too (after reading, so
    the list shows what happened before this look).
    """
    policy.require(actor, client, [policy.DataKind.ACCESS_LOG])
    entries = list(
        AccessLogEntry.objects.filter(client_public_id=client.public_id).order_by("-timestamp", "-id")[:limit]
    )
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="client.access_log",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return entries
