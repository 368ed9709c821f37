"""The API's reads: practitioners. Adapters over ``api.practitioners`` (the API's own
``PractitionerRef``) and the access policy."""

from collections.abc import Iterable
from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api import practitioners

# --- practitioners -------------------------------------------------------------------------------


def practitioner_ids(users: Iterable[User | None]) -> dict[int, UUID]:
    """Public ids of professionals (created on first use): at most three queries for any number."""
    return practitioners.practitioner_ids_ensure(users=users)


def practitioner_get(*, actor: User, public_id: UUID) -> User:
    """A professional the actor works with: a coach or team lead of a client the actor may see,
    or a colleague of the actor's own team. Administrative data only (name)."""
    return practitioners.practitioner_visible_get(actor=actor, public_id=public_id)
