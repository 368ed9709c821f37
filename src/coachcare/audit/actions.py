"""What an access-log code means, in words a person reads (docs/security.md, "Access log").

The log stores a stable code per access point (``client.file``, ``portal.diary.add``,
``trajectory.page.evaluation``): for audits, the FHIR AuditEvent and the API. People never read that
code: the access-log page, the admin and the data download show ``action_label(code)``. A code
without a label of its own gets the label of its area (the part before the first dot), so a new
access point never shows its raw code.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coachcare.accounts.models import Role

#: The area of a code: its first part.
AREA_LABELS: dict[str, Promise] = {
    "account": _("account"),
    "admin": _("administration screens"),
    "allocation": _("allocation"),
    "api": _("link with another system"),
    "cbs": _("delivery to CBS"),
    "client": _("client file"),
    "declaration": _("declaration"),
    "declarations": _("declarations"),
    "fhir": _("link with another system"),
    "ijw": _("iJw message"),
    "measures": _("questionnaire"),
    "meldcode": _("meldcode"),
    "messaging": _("messages"),
    "portal": _("portal"),
    "privacy": _("privacy"),
    "research": _("research export"),
    "safeguarding": _("safety"),
    "trajectory": _("trajectory"),
}

#: Codes with a label of their own.
ACTION_LABELS: dict[str, Promise] = {
    "account.create": _("account"),
    "admin.client": _("client in the administration screens"),
    "admin.client_list": _("list of clients in the administration screens"),
    "allocation.list": _("list of allocations"),
    "allocation.detail": _("allocation"),
    "allocation.request": _("allocation request"),
    "allocation.approve": _("allocation approved"),
    "allocation.reject": _("allocation rejected"),
    "allocation.consume": _("allocation used"),
    "allocation.change_request": _("change of an allocation"),
    "client.file": _("client file"),
    "client.list": _("list of clients"),
    "client.caseload": _("caseload"),
    "client.referral": _("registration"),
    "client.note": _("note"),
    "client.contact": _("contact details"),
    "client.family_member": _("family member"),
    "client.family_member.account": _("account of a family member"),
    "client.gezag": _("gezag"),
    "client.invitation": _("invitation to the portal"),
    "client.invitation.revoke": _("invitation withdrawn"),
    "client.account": _("portal account"),
    "client.parent_access": _("parents' access"),
    "client.access_log": _("access log"),
    "cbs.export": _("delivery to CBS (Beleidsinformatie Jeugd)"),
    "client.export": _("export of the client list"),
    "declaration.detail": _("declaration"),
    "measures.responses": _("questionnaire answers"),
    "meldcode.case": _("meldcode"),
    "meldcode.case_open": _("meldcode started"),
    "meldcode.list": _("meldcode list"),
    "meldcode.step": _("meldcode step"),
    "messaging.inbox": _("messages"),
    "messaging.thread": _("conversation"),
    "messaging.thread.poll": _("conversation"),
    "messaging.message": _("message"),
    "messaging.attachment": _("attachment"),
    "portal.module": _("module in the portal"),
    "portal.goals": _("goals in the portal"),
    "portal.waiting": _("waiting for you (portal)"),
    "portal.diary": _("diary"),
    "portal.diary.add": _("diary entry"),
    "portal.assignment": _("assignment"),
    "portal.assignment.draft": _("draft answer to an assignment"),
    "portal.assignment.submit": _("answer to an assignment"),
    "portal.assignment.feedback": _("feedback on an assignment"),
    "portal.appointment": _("appointment"),
    "portal.appointment.create": _("appointment made"),
    "portal.appointment.ics": _("appointment in a calendar file"),
    "portal.coach_overview": _("the coach's overview of the portal"),
    "portal.coach_client": _("the young person's portal, seen by the coach"),
    "privacy.consent": _("consent"),
    "privacy.export": _("download of the data"),
    "privacy.destruction": _("destruction of the file"),
    "privacy.destruction_request": _("request to destroy the file"),
    "privacy.destruction_requests": _("requests to destroy a file"),
    "privacy.destruction_refused": _("request to destroy the file refused"),
    "privacy.retention": _("end of the retention period"),
    "privacy.retention_hold": _("longer retention"),
    "trajectory.referral": _("referral"),
    "trajectory.intake": _("intake"),
    "trajectory.goal": _("goal"),
    "trajectory.scores": _("goal scores"),
    "trajectory.ratings_skipped": _("goal marks not answered (reason)"),
    "trajectory.allocate": _("allocation"),
    "trajectory.module_start": _("module started"),
    "trajectory.module_finish": _("module finished"),
    "trajectory.gate_decision": _("decision after a module"),
    "trajectory.gate_approval": _("team lead's approval"),
    "trajectory.approval_queue": _("decisions awaiting approval"),
    "trajectory.consent_exception": _("start without the parents' consent"),
    "trajectory.consent_exception.decision": _("decision on a start without the parents' consent"),
    "trajectory.consent_exception_queue": _("starts without the parents' consent awaiting approval"),
    "trajectory.agreement.scan": _("scan of a consent on paper"),
    "trajectory.agreement.care": _("consent to care"),
    "trajectory.agreement.plan": _("agreement to the plan"),
    "trajectory.agreement.summary": _("consent and agreements"),
    "trajectory.close": _("trajectory closed"),
    "trajectory.closing_summary": _("closing summary"),
    "trajectory.follow_up": _("follow-up contact"),
    "research.export": _("research export"),
}


def action_label(code: str) -> str:
    """The words for an access-log code; an unknown code gets its area's label, never itself."""
    label = ACTION_LABELS.get(code)
    if label is None and code.startswith("trajectory.page."):
        label = _("trajectory page")
    if label is None:
        area = code.split(".", 1)[0].split(":", 1)[0].split("_", 1)[0]
        label = AREA_LABELS.get(area, _("the file"))
    return str(label)


def role_label(role: str) -> str:
    """The role of a log entry in words: a user role, or the system (a task or a command)."""

    if role == "system":
        return str(_("the system"))
    if role in Role.values:
        return str(Role(role).label)
    return role or str(_("no role recorded"))
