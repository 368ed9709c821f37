"""Data rights of the measures app (``core/data_rights.py``): the questionnaire responses with their
answers, for the young person and a parent while the policy gives them the clinical file; destruction
deletes them.
"""

from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.core.data_rights import Section, destroyer_register, display_name, section_register
from coachcare.measures.models import QuestionnaireResponse


def questionnaires(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    rows = [
        {
            "questionnaire": response.definition.code,
            "version": response.definition.version,
            "context": response.context,
            "status": response.get_status_display(),
            "submitted_by": display_name(response.submitted_by),
            "submitted_at": response.submitted_at,
            "total": response.total,
            "flags": response.flags,
            "answers": response.answer_values,
        }
        for response in QuestionnaireResponse.objects.filter(client=client)
        .select_related("definition", "submitted_by")
        .order_by("created_at", "id")
    ]
    return _("Questionnaires"), rows


def destroy_questionnaires(client: Client) -> dict[str, int]:
    _total, per_model = QuestionnaireResponse.objects.filter(client=client).delete()
    return {"measures.QuestionnaireResponse": per_model.get("measures.QuestionnaireResponse", 0)}


section_register(key="questionnaires", order=120, young_person=questionnaires, parent=questionnaires)
destroyer_register(key="questionnaires", covers=("measures.QuestionnaireResponse",), function=destroy_questionnaires)
