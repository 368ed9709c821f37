"""Writes and outputs of monitoring, one module per concern:

- ``outcomes``: the monitoring summary (outcomes of closed trajectories, gate decisions);
- ``waiting``: the waiting-time summary (first contact and first module per trajectory);
- ``annotations``: dashboard annotations and the reference cost;
- ``forecast``: forecast figures and alerts;
- ``evidence_report``: the evidence report (PDF + CSV);
- ``research``: the pseudonymised research export;
- ``pilots``: pilots, their freeze and their comparison group;
- ``reviews``: the quarterly review (kwartaalgesprek) and its agreed actions.

Every public name is re-exported here, so callers keep importing ``coachcare.monitoring.services``.
"""

from coachcare.monitoring.services.annotations import annotation_create, reference_cost_set
from coachcare.monitoring.services.evidence_report import (
    EvidenceReport,
    Verdict,
    VerdictKind,
    evidence_report_build,
    evidence_report_page_one_context,
    evidence_verdict,
    pilot_report_build,
    pilot_section,
    waiting_chart,
)
from coachcare.monitoring.services.forecast import (
    ForecastCheck,
    forecast_alert_notify,
    forecast_alerts_raise,
    forecast_check_run,
    forecast_store,
)
from coachcare.monitoring.services.outcomes import (
    REBUILD_CHUNK,
    REFRESH_CHUNK,
    trajectory_outcomes_rebuild,
    trajectory_outcomes_refresh,
)
from coachcare.monitoring.services.pilots import (
    COMPARISON_COLUMNS,
    ComparisonImportError,
    ReferenceFiguresError,
    pilot_comparison_import,
    pilot_confirm,
    pilot_create,
    pilot_definition,
    pilot_frozen_intact,
    pilot_reference_choose,
    pilot_start,
    pilot_update,
    reference_figures_load,
    reference_figures_unverified,
)
from coachcare.monitoring.services.research import (
    EXPORT_CHUNK,
    RESEARCH_COLUMNS,
    research_export,
    research_export_to,
    research_key,
    research_pseudonym,
)
from coachcare.monitoring.services.reviews import AgreedAction, quarterly_review_record, review_action_follow_up
from coachcare.monitoring.services.waiting import trajectory_waiting_rebuild

__all__ = [
    "COMPARISON_COLUMNS",
    "EXPORT_CHUNK",
    "REBUILD_CHUNK",
    "REFRESH_CHUNK",
    "RESEARCH_COLUMNS",
    "AgreedAction",
    "ComparisonImportError",
    "EvidenceReport",
    "ForecastCheck",
    "ReferenceFiguresError",
    "Verdict",
    "VerdictKind",
    "annotation_create",
    "evidence_report_build",
    "evidence_report_page_one_context",
    "evidence_verdict",
    "forecast_alert_notify",
    "forecast_alerts_raise",
    "forecast_check_run",
    "forecast_store",
    "pilot_comparison_import",
    "pilot_confirm",
    "pilot_create",
    "pilot_definition",
    "pilot_frozen_intact",
    "pilot_reference_choose",
    "pilot_report_build",
    "pilot_section",
    "pilot_start",
    "pilot_update",
    "quarterly_review_record",
    "reference_cost_set",
    "reference_figures_load",
    "reference_figures_unverified",
    "research_export",
    "research_export_to",
    "research_key",
    "research_pseudonym",
    "review_action_follow_up",
    "trajectory_outcomes_rebuild",
    "trajectory_outcomes_refresh",
    "trajectory_waiting_rebuild",
    "waiting_chart",
]
