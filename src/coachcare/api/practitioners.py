"""The API app's own model of professionals' public ids (``PractitionerRef``, the FHIR
Practitioner id): its reads and its get-or-create. ``api.selectors`` adapts over it."""

from collections.abc import Iterable
from uuid import UUID

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.models import PractitionerRef
from coachcare.core.prepared import PreparedQuery

#: The public id of one professional (the common case: the one coach of a patient's Tasks), the
#: SQL compiled once per process (``core.prepared``).
_ref_of_user = PreparedQuery(
    lambda user_id: PractitionerRef.objects.filter(user_id=user_id).values_list("user_id", "public_id"), user_id=int
)


def practitioner_ids_ensure(*, users: Iterable[User | None]) -> dict[int, UUID]:
    """Public ids of professionals (created on first use): at most three queries for any number."""
    pks = {u.pk for u in users if u is not None}
    if not pks:
        return {}
    if len(pks) == 1:
        found = dict(_ref_of_user.all(user_id=next(iter(pks))))
    else:
        found = dict(PractitionerRef.objects.filter(user_id__in=pks).values_list("user_id", "public_id"))
    missing = pks - found.keys()
    if missing:
        PractitionerRef.objects.bulk_create([PractitionerRef(user_id=pk) for pk in missing], ignore_conflicts=True)
        found.update(PractitionerRef.objects.filter(user_id__in=missing).values_list("user_id", "public_id"))
    return found


def practitioner_visible_get(*, actor: User, public_id: UUID) -> User:
    """The professional behind a public id whom the actor works with (``policy.can_see_practitioner``);
    ``AccessDenied`` otherwise."""
    ref = PractitionerRef.objects.select_related("user").filter(public_id=public_id).first()
    if ref is None or not policy.can_see_practitioner(actor, ref.user):
        raise policy.AccessDenied("No such practitioner, or no access.")
    return ref.user
