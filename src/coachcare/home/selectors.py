import dataclasses

from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider, Team


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrganisationOverview:
    municipalities: int
    providers: int
    teams: int
    users: int
    clients: int


def organisation_overview() -> OrganisationOverview:
    """Counts for the administrator's start page (administrative, no client data)."""
    return OrganisationOverview(
        municipalities=Municipality.objects.count(),
        providers=Provider.objects.count(),
        teams=Team.objects.count(),
        users=User.objects.count(),
        clients=Client.objects.count(),
    )
