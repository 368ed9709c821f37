"""What the API's readers share: the client fields the policy reads and the clinical filter."""

from collections.abc import Iterable

from django.db.models import QuerySet

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.measures.models import QuestionnaireResponse
from coachcare.trajectories.models import Goal, ModuleRun, Trajectory

#: Roles whose visible clients are all clinically visible to them (``kinds_visible`` gives
#: CLINICAL for every client of ``clients_visible_to``); a parent's access depends on the child's
#: age and decisions, so it is worked out per child. Every row is checked again with the policy.


def clinical_clients(actor: User) -> QuerySet[Client]:
    """Clients whose clinical file the actor may see today (``policy.clinical_clients_visible_to``)."""
    return policy.clinical_clients_visible_to(actor)


#: What the access policy reads of a client (``kinds_visible``, ``appointment_scope``,
#: ``can_read_thread``): narrowed queries load at least these, so that checking a row never costs
#: a query of its own (a deferred field would be loaded row by row).
POLICY_CLIENT_FIELDS = ("public_id", "birth_date", "coach", "team", "municipality", "user", "provider")
#: What ``User.display_name`` reads (and the role, which the policy reads of a thread's parent).
USER_NAME_FIELDS = ("first_name", "last_name", "username", "role")


def prefixed(prefix: str, names: Iterable[str]) -> list[str]:
    return [f"{prefix}{name}" for name in names]


def clinical_rows[T](actor: User, rows: list[T]) -> list[T]:
    """Defence in depth: drop any row whose client the policy does not give CLINICAL."""
    on = today()
    return [row for row in rows if policy.can_see(actor, client_of(row), policy.DataKind.CLINICAL, on=on)]


def client_of(row: object) -> Client:
    if isinstance(row, Client):
        return row
    if isinstance(row, Trajectory):
        return row.client
    if isinstance(row, Goal | ModuleRun):
        return row.trajectory.client
    if isinstance(row, QuestionnaireResponse):
        return row.client
    raise TypeError(type(row))
