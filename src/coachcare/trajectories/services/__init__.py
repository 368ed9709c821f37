"""Writes on trajectories: referral, allocation, consent, goals, modules, the gate, closure, follow-up.

Each service checks the access policy, changes the status only through the state machine, and
writes the NEN 7513 access log, in one transaction.

The services are split by the sections of a trajectory (docs/trajectories.md); callers keep
importing this package (``from coachcare.trajectories import services``), which re-exports them:

- ``referral``: referral and allocation;
- ``intake``: consent, the exception of Jeugdwet art. 7.3.4 lid 4, the intake, goals and the plan;
- ``modules``: modules and the gate (evaluation score, decision, approval; the provider's setting of
  which deviations need the team lead);
- ``closure``: closure, follow-up and the closing summary;
- ``move``: a move to another municipality (woonplaatsbeginsel) and a municipal merger (herindeling);
- ``_shared``: the writer check, the access log, the row lock and version claim, the measurements.
"""

from coachcare.trajectories.services.closure import (
    CLOSURE_QUESTIONNAIRES,
    FOLLOW_UP_MONTHS,
    SATISFACTION_QUESTIONNAIRE,
    SATISFACTION_QUESTIONNAIRE_PARENT,
    WITHOUT_HELP_FROM,
    ClosingSummary,
    closing_summary_get,
    follow_up_mark_due,
    follow_up_record,
    trajectory_close,
    trajectory_resume,
)
from coachcare.trajectories.services.intake import (
    agreement_record,
    agreement_revoke,
    agreement_scan_get,
    consent_exception_decide,
    consent_exception_record,
    goal_add,
    goal_scores_record,
    trajectory_start_intake,
)
from coachcare.trajectories.services.modules import (
    GBO_INFORMANT,
    current_run,
    evaluation_approve,
    evaluation_decide,
    evaluation_score,
    goal_ratings_submit,
    module_finish,
    module_start,
    provider_gate_approvals_set,
)
from coachcare.trajectories.services.move import (
    MOVE_STOP_REASON,
    MergeResult,
    MoveResult,
    client_move,
    client_move_check,
    module_run_allocation_link,
    municipality_merge,
    municipality_merge_check,
)
from coachcare.trajectories.services.referral import (
    first_module_code,
    referral_register,
    trajectory_allocate,
    trajectory_open,
    trajectory_open_for_referrer,
    trajectory_regisseur_set,
    trajectory_request_allocation,
)

__all__ = [
    "CLOSURE_QUESTIONNAIRES",
    "FOLLOW_UP_MONTHS",
    "GBO_INFORMANT",
    "MOVE_STOP_REASON",
    "SATISFACTION_QUESTIONNAIRE",
    "SATISFACTION_QUESTIONNAIRE_PARENT",
    "WITHOUT_HELP_FROM",
    "ClosingSummary",
    "MergeResult",
    "MoveResult",
    "agreement_record",
    "agreement_revoke",
    "agreement_scan_get",
    "client_move",
    "client_move_check",
    "closing_summary_get",
    "consent_exception_decide",
    "consent_exception_record",
    "current_run",
    "evaluation_approve",
    "evaluation_decide",
    "evaluation_score",
    "first_module_code",
    "follow_up_mark_due",
    "follow_up_record",
    "goal_add",
    "goal_ratings_submit",
    "goal_scores_record",
    "module_finish",
    "module_run_allocation_link",
    "module_start",
    "municipality_merge",
    "municipality_merge_check",
    "provider_gate_approvals_set",
    "referral_register",
    "trajectory_allocate",
    "trajectory_close",
    "trajectory_open",
    "trajectory_open_for_referrer",
    "trajectory_regisseur_set",
    "trajectory_request_allocation",
    "trajectory_resume",
    "trajectory_start_intake",
]
