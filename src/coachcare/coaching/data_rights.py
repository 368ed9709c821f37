"""Data rights of the coaching app (``core/data_rights.py``).

- The young person gets their assignment answers (with the coach's feedback), their diary and their
  appointments.
- A parent never gets the young person's own writing (assignment answers, diary); they get the
  appointments they were invited to (``with_parents``).
- Both only while the policy gives them the clinical file that day.
- A form draft kept after an expired session goes only to its own writer.
- Destruction deletes the answers, the diary entries, the appointments and the form drafts.
"""

from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.coaching.models import Appointment, AssignmentAnswer, DiaryEntry, FormDraft
from coachcare.core.data_rights import Section, destroyer_register, model_rows, section_register


def coaching_for_young_person(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    answers = AssignmentAnswer.objects.filter(client=client).select_related("module_run", "assignment", "feedback_by")
    diary = DiaryEntry.objects.filter(client=client).select_related("created_by")
    appointments = Appointment.objects.filter(client=client).select_related("trajectory", "created_by")
    rows = [
        *model_rows(AssignmentAnswer, answers, leave_out="client", client_model=Client),
        *model_rows(DiaryEntry, diary, leave_out="client", client_model=Client),
        *model_rows(Appointment, appointments, leave_out="client", client_model=Client),
        # A text kept after an expired session belongs to its writer only (a coach's draft is not the file).
        *model_rows(
            FormDraft, FormDraft.objects.filter(client=client, user=requester), leave_out="client", client_model=Client
        ),
    ]
    return _("Assignments, diary and appointments"), rows


def coaching_for_parent(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    invited = Appointment.objects.filter(client=client, with_parents=True).select_related("trajectory", "created_by")
    return _("Assignments, diary and appointments"), model_rows(
        Appointment, invited, leave_out="client", client_model=Client
    )


def destroy_coaching(client: Client) -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in (AssignmentAnswer, DiaryEntry, Appointment, FormDraft):
        _total, per_model = model._default_manager.filter(client=client).delete()
        counts[model._meta.label] = per_model.get(model._meta.label, 0)
    return counts


section_register(key="coaching", order=150, young_person=coaching_for_young_person, parent=coaching_for_parent)
destroyer_register(
    key="coaching",
    covers=("coaching.AssignmentAnswer", "coaching.DiaryEntry", "coaching.Appointment", "coaching.FormDraft"),
    function=destroy_coaching,
)
