"""The API's reads: clients (administrative). Adapters over ``clients.selectors``."""

import dataclasses
from uuid import UUID

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage
from coachcare.api.selectors.logged import page_logged, read_logged
from coachcare.audit.services import AccessPoint
from coachcare.clients import selectors as client_selectors
from coachcare.clients.models import Client

# --- clients (administrative) ----------------------------------------------------------------


def client_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, search: str = ""
) -> CursorPage[Client]:
    clients = client_selectors.clients_visible(actor=actor, search=search)
    rows = client_selectors.client_rows()
    return page_logged(
        clients,
        actor=actor,
        access_point=access_point,
        action="api.client.list",
        keys=["family_name", "given_name", "id"],
        cursor=cursor,
        limit=limit,
        rows=rows,
        allowed=client_selectors.client_rows_allowed,
        client_of=lambda client: client,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientDetail:
    """One client as the API shows it: administrative fields, the kinds the actor may see, the BSN
    only with IDENTITY. Unlike the screens' client file it loads no notes (the API shows none)."""

    client: Client
    kinds: frozenset[policy.DataKind]
    bsn: str | None


def client_file(*, actor: User, public_id: UUID, access_point: AccessPoint) -> ClientDetail:
    """A client the actor may open (``clients.selectors.client_with_kinds_get``); the read is logged
    like the screens' client file, with action ``api.client.detail``."""
    client, kinds = client_selectors.client_with_kinds_get(actor=actor, public_id=public_id)
    read_logged(actor=actor, action="api.client.detail", client_ids=[client.public_id], access_point=access_point)
    return ClientDetail(client=client, kinds=kinds, bsn=client.bsn if policy.DataKind.IDENTITY in kinds else None)


def task_patient_get(*, actor: User, public_id: UUID) -> Client:
    """The Patient a Task search is narrowed to (``clients.selectors.client_task_patient_get``); no
    log, the search logs what it finds."""
    return client_selectors.client_task_patient_get(actor=actor, public_id=public_id)


def client_clinical_get(*, actor: User, public_id: UUID) -> Client:
    """A client whose clinical file the actor may see (no log: the caller logs what it reads)."""
    return client_selectors.client_clinical_get(actor=actor, public_id=public_id)
