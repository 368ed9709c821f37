"""Who must consent, by age (Jeugdwet 7.3.4, mirroring WGBO art. 7:450 BW; rules.md).

- under 12: the parents with gezag (the method serves 12 and older, so this does not occur);
- 12 to 15: the young person AND the parents with gezag;
- 16 and older: the young person alone.

The age is computed on the day of the action, so the day a young person turns 16 the parents'
consent is no longer needed, without anyone editing anything.
"""

import datetime

from coachcare.accounts.models import Role, User
from coachcare.clients.models import Client, GezagRelation
from coachcare.core.dates import age_on

AGE_CONSENT_WITH_PARENTS = 12
AGE_CONSENT_ALONE = 16


def consent_parties_required(*, client: Client, on: datetime.date) -> tuple[bool, list[User]]:
    """(whether the young person must consent, the parents who must consent) on a date."""
    age = age_on(client.birth_date, on)
    if age >= AGE_CONSENT_ALONE:
        return True, []
    parents = [
        relation.parent
        for relation in GezagRelation.objects.filter(client=client, has_gezag=True).select_related("parent")
        if relation.parent.role == Role.OUDER and relation.parent.is_active
    ]
    return age >= AGE_CONSENT_WITH_PARENTS, parents
