"""The API's reads: practitioners."""

from collections.abc import Iterable
from uuid import UUID

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.models import PractitionerRef
from coachcare.clients.models import Client
from coachcare.core.dates import today

# --- practitioners -------------------------------------------------------------------------------


def practitioner_ids(users: Iterable[User | None]) -> dict[int, UUID]:
    """Public ids of professionals (created on first use): at most three queries for any number."""
    pks = {u.pk for u in users if u is not None}
    if not pks:
        return {}
    found = dict(PractitionerRef.objects.filter(user_id__in=pks).values_list("user_id", "public_id"))
    missing = pks - found.keys()
    if missing:
        PractitionerRef.objects.bulk_create([PractitionerRef(user_id=pk) for pk in missing], ignore_conflicts=True)
        found.update(PractitionerRef.objects.filter(user_id__in=missing).values_list("user_id", "public_id"))
    return found


def practitioner_get(*, actor: User, public_id: UUID) -> User:
    """A professional the actor works with: a coach or team lead of a client the actor may see,
    or a colleague of the actor's own team. Administrative data only (name)."""
    ref = PractitionerRef.objects.select_related("user").filter(public_id=public_id).first()
    if ref is None or not policy.can_see_practitioner(actor, ref.user):
        raise policy.AccessDenied("No such practitioner, or no access.")
    return ref.user


def client_age_today(client: Client) -> int:
    from coachcare.core.dates import age_on

    return age_on(client.birth_date, today())
