"""Who must consent, by age (Jeugdwet 7.3.4, mirroring WGBO art. 7:450 BW; docs/legal-basis.md).

- under 12: the parents with gezag (the method serves 12 and older, so this does not occur);
- 12 to 15: the young person AND every family member with gezag on that day (a parent, a voogd);
  when a gecertificeerde instelling (GI) is the voogd, the GI consents instead of the parents;
- 16 and older: the young person alone.

A family member without a portal account consents in person or on paper; the coach records it.
When no family member with gezag is registered for a young person of 12 to 15, care cannot start
(``ConsentParties.nobody_with_gezag``) until one is recorded or the exception of art. 7.3.4 lid 4
is approved (the trajectory's state machine asks ``consent_exception_approved``).

The age and the gezag are taken on the day of the action, so the day a young person turns 16 the
parents' consent is no longer needed, and a recorded end of gezag counts from its date, without
anyone editing anything.
"""

import dataclasses
import datetime

from coachcare.access.policy import gezag_q, gezag_relations_on
from coachcare.accounts.models import Role, User
from coachcare.clients.models import Client, GezagRelation
from coachcare.core.dates import age_on

AGE_CONSENT_WITH_PARENTS = 12
AGE_CONSENT_ALONE = 16


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsentParties:
    """Whose consent the age and gezag rules require for one young person on one day."""

    #: The young person must consent themself (12 and older).
    young_person: bool
    #: The family members with gezag who must consent (empty from 16 on).
    carers: list[GezagRelation]
    #: Under 16 and nobody with gezag is registered: care cannot start on consent alone.
    nobody_with_gezag: bool


def consent_parties(*, client: Client, on: datetime.date) -> ConsentParties:
    """The consent parties of ``client`` on ``on`` (see the module's docstring)."""
    if age_on(client.birth_date, on) >= AGE_CONSENT_ALONE:
        return ConsentParties(young_person=True, carers=[], nobody_with_gezag=False)
    return _parties(client, gezag_relations_on(client=client, on=on), on)


def consent_parties_of(*, clients: list[Client], on: datetime.date) -> dict[int, ConsentParties]:
    """``consent_parties`` of several young people (by client id) in one query."""
    relations: dict[int, list[GezagRelation]] = {client.pk: [] for client in clients}
    for relation in (
        GezagRelation.objects.filter(gezag_q(on), client__in=clients).select_related("parent").order_by("id")
    ):
        relations[relation.client_id].append(relation)
    return {client.pk: _parties(client, relations[client.pk], on) for client in clients}


def _parties(client: Client, carers: list[GezagRelation], on: datetime.date) -> ConsentParties:
    age = age_on(client.birth_date, on)
    if age >= AGE_CONSENT_ALONE:
        return ConsentParties(young_person=True, carers=[], nobody_with_gezag=False)
    institutions = [carer for carer in carers if carer.kind == GezagRelation.Kind.GI]
    if institutions:
        carers = institutions
    return ConsentParties(young_person=age >= AGE_CONSENT_WITH_PARENTS, carers=carers, nobody_with_gezag=not carers)


def consent_parties_required(*, client: Client, on: datetime.date) -> tuple[bool, list[User]]:
    """(whether the young person must consent, the parent *accounts* who must consent) on a date.

    Only the family members with an active parent account; ``consent_parties`` gives them all.
    """
    parties = consent_parties(client=client, on=on)
    parents = [
        carer.parent
        for carer in parties.carers
        if carer.parent is not None and carer.parent.role == Role.OUDER and carer.parent.is_active
    ]
    return parties.young_person, parents


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsentGap:
    """What is still missing before a consent counts (empty: complete)."""

    young_person: bool
    carers: list[GezagRelation]
    #: Under 16, nobody with gezag registered and no approved exception (art. 7.3.4 lid 4).
    nobody_with_gezag: bool

    @property
    def complete(self) -> bool:
        return not (self.young_person or self.carers or self.nobody_with_gezag)


#: One given consent as the state machine reads it: (given_by user id, given_as, carer id or None).
GivenConsent = tuple[int, str, int | None]


def carer_has_consented(carer: GezagRelation, given: set[GivenConsent]) -> bool:
    """A family member consented: a consent recorded for them, or given through their own account."""
    return any(
        given_as == "ouder" and (carer_id == carer.pk or (carer.parent_id is not None and by_id == carer.parent_id))
        for by_id, given_as, carer_id in given
    )


def consent_gap(
    *, client: Client, on: datetime.date, given: set[GivenConsent], exception_approved: bool = False
) -> ConsentGap:
    """Who still has to consent on ``on``, given the consents that count (not withdrawn).

    With the exception of art. 7.3.4 lid 4 approved, the parents' (or the GI's) consent is not
    needed; the young person's always is.
    """
    parties = consent_parties(client=client, on=on)
    young_missing = parties.young_person and not any(given_as == "jongere" for _by, given_as, _carer in given)
    if exception_approved:
        return ConsentGap(young_person=young_missing, carers=[], nobody_with_gezag=False)
    return ConsentGap(
        young_person=young_missing,
        carers=[carer for carer in parties.carers if not carer_has_consented(carer, given)],
        nobody_with_gezag=parties.nobody_with_gezag,
    )
