"""Data rights of the clients app (``core/data_rights.py``): personal details, parents, the parents'
access to the file, notes and who opened the file; destruction removes the notes and empties the
written reasons of the access decisions. The young person gets every section the policy lets them
see; a parent never gets the young person's own choices about parents (``parent_access``) or the
access log.
"""

from typing import Any

from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client, ClientNote, GezagRelation, ParentAccessDecision
from coachcare.core.data_rights import Section, destroyer_register, display_name, section_register
from coachcare.core.dates import age_on, today


def personal_details(client: Client, requester: User) -> Section | None:
    visible = policy.kinds_visible(requester, client)
    if policy.DataKind.ADMINISTRATIVE not in visible:
        return None
    row: dict[str, Any] = {
        "public_id": client.public_id,
        "given_name": client.given_name,
        "family_name": client.family_name,
        "birth_date": client.birth_date,
        "age_today": age_on(client.birth_date, today()),
        "municipality": client.municipality.name,
        "provider": client.provider.name,
        "team": client.team.name,
        "coach": display_name(client.coach),
        "referred_on": client.referred_on,
    }
    if policy.DataKind.IDENTITY in visible:
        row["bsn"] = client.bsn
    return _("Personal details"), [row]


def parents(client: Client, requester: User) -> Section | None:
    if policy.DataKind.ADMINISTRATIVE not in policy.kinds_visible(requester, client):
        return None
    on = today()
    rows = [
        {
            "parent": relation.display_name,
            "relation": relation.get_kind_display(),
            "has_parental_authority": policy.gezag_on(relation, on),
            "gezag_from": relation.gezag_from,
            "gezag_ends_on": relation.gezag_ends_on,
            "uses_portal": relation.uses_portal,
        }
        for relation in GezagRelation.objects.filter(client=client).select_related("parent").order_by("id")
    ]
    return _("Parents"), rows


def parent_access(client: Client, requester: User) -> Section | None:
    # The young person's own choices and the coach's restrictions: declared for the young person only.
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "parent": decision.parent.display_name,
            "decision": decision.get_kind_display(),
            "reason": decision.reason,
            "recorded_at": decision.recorded_at,
            "revoked_at": decision.revoked_at,
        }
        for decision in ParentAccessDecision.objects.filter(client=client).select_related("parent")
    ]
    return _("Parents' access to the file"), rows


def notes(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {"written_at": note.created_at, "author": display_name(note.author), "text": note.text}
        for note in ClientNote.objects.filter(client=client).select_related("author").order_by("created_at", "id")
    ]
    return _("Notes"), rows


def access_log(client: Client, requester: User) -> Section | None:
    if policy.DataKind.ACCESS_LOG not in policy.kinds_visible(requester, client):
        return None
    rows = [
        {
            "at": entry.timestamp,
            "who": entry.user_display_name or entry.username,
            "role": entry.role_label,
            "what": entry.get_event_display(),
            "action": entry.action_label,
            "via": entry.get_channel_display(),
        }
        for entry in AccessLogEntry.objects.filter(client_public_id=client.public_id).order_by("timestamp", "id")
    ]
    return _("Who opened the file"), rows


# --- destruction ---------------------------------------------------------------------------------


def destroy_notes(client: Client) -> dict[str, int]:
    deleted, _per_model = ClientNote.objects.filter(client=client).delete()
    return {"clients.ClientNote": deleted}


def destroy_parent_access_reasons(client: Client) -> dict[str, int]:
    # The decisions themselves keep governing access; the written reasons are clinical content.
    emptied = ParentAccessDecision.objects.filter(client=client).update(reason="")
    return {"clients.ParentAccessDecision.reason": emptied}


section_register(key="personal_details", order=10, young_person=personal_details, parent=personal_details)
section_register(key="parents", order=20, young_person=parents, parent=parents)
section_register(key="parent_access", order=30, young_person=parent_access)
section_register(key="notes", order=40, young_person=notes, parent=notes)
section_register(key="access_log", order=130, young_person=access_log)
destroyer_register(key="notes", covers=("clients.ClientNote",), function=destroy_notes)
destroyer_register(
    key="parent_access_reasons", covers=("clients.ParentAccessDecision",), function=destroy_parent_access_reasons
)
