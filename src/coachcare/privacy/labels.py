"""The words for the keys of "download my data" (docs/data-rights.md).

The JSON download keeps its stable keys (``given_name``, ``final_gas_t``): it is meant for another
program. The PDF is meant for a person and shows ``field_label(key)``: every key a section can
give has a Dutch label here. The sections of the messaging and coaching apps are made generically
from their models' fields, so their field names are here too; a test
(``tests/core/test_dutch_everywhere.py``) fails when a section gives a key without a label.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FIELD_LABELS: dict[str, Promise] = {
    # personal details, parents, parents' access, notes
    "public_id": _("Number"),
    "bsn": _("BSN"),
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "birth_date": _("Date of birth"),
    "age_today": _("Age today"),
    "municipality": _("Municipality"),
    "provider": _("Care provider"),
    "team": _("Team"),
    "coach": _("Coach"),
    "referred_on": _("Referred on"),
    "parent": _("Parent"),
    "relation": _("Relation"),
    "has_parental_authority": _("Has gezag"),
    "gezag_from": _("Gezag from"),
    "gezag_ends_on": _("Gezag ends on"),
    "uses_portal": _("Uses the portal"),
    "decision": _("Decision"),
    "reason": _("Reason"),
    "recorded_at": _("Recorded on"),
    "revoked_at": _("Withdrawn on"),
    "written_at": _("Written on"),
    "author": _("Written by"),
    "text": _("Text"),
    # trajectories, goals, scores, modules, evaluations, steps, agreements
    "trajectory": _("Trajectory"),
    "status": _("Status"),
    "referred_by": _("Referred by"),
    "referrer_name": _("Name of the referrer"),
    "referral_route": _("Route of the referral"),
    "plan_revision": _("Version of the plan"),
    "closed_on": _("Closed on"),
    "end_reason": _("End reason"),
    "final_gas_t": _("Final GAS T-score"),
    "final_gbo_mean": _("Final mean GBO score"),
    "satisfaction_score": _("Satisfaction score"),
    "number": _("Number"),
    "kind": _("Kind"),
    "goal": _("Goal"),
    "scale": _("Scale (GAS levels)"),
    "weight": _("Weight"),
    "goal_number": _("Goal number"),
    "moment": _("Moment"),
    "gas_level": _("GAS level"),
    "gbo_score": _("GBO score"),
    "scored_by": _("Scored by"),
    "scored_at": _("Scored on"),
    "rating": _("Your mark (0 to 10)"),
    "rated_at": _("Given on"),
    "module": _("Module"),
    "state": _("State"),
    "started_on": _("Started on"),
    "due_on": _("Due on"),
    "finished_on": _("Finished on"),
    "module_number": _("Module number"),
    "advice": _("Advice"),
    "decision_reason": _("Reason for the decision"),
    "decided_by": _("Decided by"),
    "decided_at": _("Decided on"),
    "approval": _("Approval"),
    "approval_note": _("Note with the approval"),
    "step": _("Step"),
    "from": _("From"),
    "to": _("To"),
    "role": _("Role"),
    "at": _("When"),
    "given_by": _("Given by"),
    "given_as": _("Given as"),
    "given_at": _("Given on"),
    # questionnaires
    "questionnaire": _("Questionnaire"),
    "version": _("Version"),
    "context": _("Context"),
    "submitted_by": _("Submitted by"),
    "submitted_at": _("Submitted on"),
    "total": _("Total score"),
    "flags": _("Signals"),
    "answers": _("Answers"),
    # access log
    "who": _("Who"),
    "what": _("What"),
    "action": _("Which part"),
    "via": _("Via"),
    # messages, assignments, diary, appointments (fields of their models)
    "assignment": _("Assignment"),
    "body": _("Message"),
    "client": _("Young person"),
    "content_type": _("Type of file"),
    "created_at": _("Made on"),
    "created_by": _("Made by"),
    "ends_at": _("Ends at"),
    "feedback": _("Feedback"),
    "feedback_at": _("Feedback on"),
    "feedback_by": _("Feedback by"),
    "feedback_read_at": _("Feedback read on"),
    "file": _("File"),
    "last_read_at": _("Last read on"),
    "location": _("Location"),
    "message": _("Message"),
    "module_run": _("Module"),
    "mood": _("Mood"),
    "notified_at": _("Notice sent on"),
    "original_name": _("File name"),
    "saved_at": _("Saved on"),
    "size": _("Size (bytes)"),
    "starts_at": _("Starts at"),
    "thread": _("Conversation"),
    "title": _("Title"),
    "user": _("Person"),
    "with_parents": _("With the parents"),
    # appointments moved or cancelled; sessions attended (materiële controle)
    "cancelled_at": _("Cancelled on"),
    # text kept after an expired session
    "form": _("Form"),
    "data": _("Text"),
    "sequence": _("Calendar version"),
    "notified_sequence": _("Calendar version notified"),
    "attendance": _("Attendance"),
}


def field_label(key: str) -> str:
    """The label of an export key; a key without one (a field added later) is spelled out, and
    ``tests/core/test_dutch_everywhere.py`` fails until it gets a label here."""
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()
