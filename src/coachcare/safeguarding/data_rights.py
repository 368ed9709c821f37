"""Data rights of the safeguarding app (``core/data_rights.py``): no export section, one destroyer.

Destruction of a client's file (Jeugdwet 7.3.9, retention) reaches the meldcode too.

The meldcode's cases and steps are clinical content from start to end (what was seen, who was
consulted, the weighing): the destroyer deletes them, like the notes.
"""

from coachcare.clients.models import Client
from coachcare.core.data_rights import destroyer_register
from coachcare.safeguarding.models import MeldcodeCase, MeldcodeStep


def destroy_meldcode(client: Client) -> dict[str, int]:
    steps, _per_model = MeldcodeStep.objects.filter(case__client=client).delete()
    cases, _per_model = MeldcodeCase.objects.filter(client=client).delete()
    return {"safeguarding.MeldcodeStep": steps, "safeguarding.MeldcodeCase": cases}


destroyer_register(
    key="meldcode", covers=("safeguarding.MeldcodeCase", "safeguarding.MeldcodeStep"), function=destroy_meldcode
)
