"""Templates hold no rules: what a page offers comes from the view (issue 15 follow-up, item 6).

A template that compares a status, state, kind or (funding) model with a literal string decides
something the selectors and services should answer (``contracts.selectors.allocation_decision_for``
tells the allocation screen whether to show the forms and how the product is priced). Like the
role-gate scan of ``tests/access/test_role_gates.py``, this scans every template; the comparisons
that only choose a word, a label or an icon for a value are listed in ``PRESENTATIONAL`` with why.
"""

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "coachcare"

#: ``{% if allocation.status == "requested" %}``, ``{% elif x.funding_model != 'taakgericht' %}``,
#: ``{% if thread.kind in "youth parent" %}``: a status/state/kind/model compared with a string.
COMPARISON = re.compile(
    r"""(?P<subject>[\w.]*(?:status|state|kind|model))(?:\|[\w:"']+)?\s*(?:==|!=|not\s+in|in)\s*["'](?P<value>[^"']*)["']"""
)
TAG = re.compile(r"{%-?\s*(?:if|elif)\b.*?%}", re.DOTALL)

#: (template, subject, value) -> why it is presentation, not a rule.
PRESENTATIONAL: dict[tuple[str, str, str], str] = {
    **{
        ("templates/accounts/_invitation_status.html", "status.status", value): "the label of a status"
        for value in ("active", "deactivated", "expired", "invited")
    },
    **{
        ("templates/accounts/invitation_unusable.html", "state", value): "the sentence for why a link is unusable"
        for value in ("expired", "revoked", "used")
    },
    ("templates/admin/accounts/userchangerequest/change_form.html", "original.status", "pending"): (
        "an explanation shown instead of the buttons (the buttons come from the admin's own check)"
    ),
    ("jinja2/coaching/module.html", "assignment.answer_kind", "choice"): "which input an answer is typed in",
    ("templates/coaching/parent.html", "follow_up.state", "done"): "the sentence for a follow-up",
    ("templates/coaching/parent.html", "run.state", "running"): "the sentence for a module run",
    ("templates/coaching/trajectory.html", "follow_up.state", "done"): "the sentence for a follow-up",
    ("jinja2/home/client_file.html", "portal_account.status", "active"): "the invitation line's wording",
    ("jinja2/messaging/_thread_readers.html", "thread.kind", "youth"): "who the thread's readers are called",
    ("jinja2/messaging/_thread_title.html", "thread.kind", "youth"): "the title of a thread",
    ("jinja2/monitoring/dashboard.html", "kind", "municipality"): "the lead text of the dashboard variant",
    **{
        ("jinja2/trajectories/_timeline.html", "event.kind", value): "the icon and sentence of a timeline event"
        for value in ("agreement", "evaluation", "follow_up", "goal", "module", "transition")
    },
    **{
        ("templates/trajectories/_trajectory_family.html", "current.status", value): "the 'where we are' sentence"
        for value in ("closed", "follow_up", "module_evaluation", "module_running")
    },
    ("templates/trajectories/_trajectory_family.html", "contact.state", "done"): "the sentence for a follow-up",
    ("templates/trajectories/_trajectory_family.html", "goal.kind", "parenting"): "whose goal it is called",
}


def template_comparisons(source: str) -> list[tuple[str, str]]:
    """(subject, value) of every status/state/kind/model comparison inside an ``if``/``elif`` tag."""
    return [(match["subject"], match["value"]) for tag in TAG.finditer(source) for match in COMPARISON.finditer(tag[0])]


def _templates() -> list[Path]:
    """The Django templates and the Jinja templates of the hot pages (``src/coachcare/jinja2``)."""
    return sorted(
        path for pattern in ("templates/**/*.html", "jinja2/**/*.html") for path in SRC.rglob(pattern) if path.is_file()
    )


def test_no_rule_in_a_template() -> None:
    found = {
        (str(path.relative_to(SRC)), subject, value)
        for path in _templates()
        for subject, value in template_comparisons(path.read_text(encoding="utf-8"))
    }
    rules = sorted(found - set(PRESENTATIONAL))
    assert rules == [], "let the view pass the answer (a selector's or the policy's), not the template decide"
    assert sorted(set(PRESENTATIONAL) - found) == []  # the allow-list names only what is there


@pytest.mark.parametrize(
    "source",
    [
        '{% if allocation.status == "requested" %}',
        "{% elif allocation.product.funding_model != 'inspanningsgericht' %}",
        '{% if x and thread.kind in "youth" %}',
        '{% if decided_elsewhere and allocation.status == "requested" or other %}',
    ],
)
def test_the_scan_finds_each_kind_of_comparison(source: str) -> None:
    assert len(template_comparisons(source)) == 1


def test_the_scan_leaves_answers_and_output_alone() -> None:
    source = '{% if decision.decided_elsewhere %}{{ allocation.status }}{% endif %} status == "x"'
    assert template_comparisons(source) == []
