"""Data rights of the api app (``core/data_rights.py``): no export section, one destroyer.

Destruction of a client's file (Jeugdwet 7.3.9, retention) reaches the module progress too.

``api.ModuleProgress.business_status`` is free text an external module reported ("lesson 2 of 3"),
encrypted like other clinical free text; the destroyer empties it. The reported status (a code such
as ``completed``) stays, like the module runs themselves (administrative: what was delivered).
"""

from coachcare.api.models import ModuleProgress
from coachcare.clients.models import Client
from coachcare.core.data_rights import destroyer_register


def destroy_module_progress_text(client: Client) -> dict[str, int]:
    emptied = ModuleProgress.objects.filter(module_run__trajectory__client=client).update(business_status="")
    return {"api.ModuleProgress.business_status": emptied}


destroyer_register(key="module_progress", covers=("api.ModuleProgress",), function=destroy_module_progress_text)
