from django.template import Context, Template
from django.utils import translation

from coachcare.trajectories.models import Trajectory


def test_label_filter_gives_the_translated_choice_label_like_get_display() -> None:
    trajectory = Trajectory(status="module_running", next_action="")
    template = Template('{% load choice_labels %}{{ t|label:"status" }}|{{ t|label:"next_action" }}')
    for language in ("nl", "en"):
        with translation.override(language):
            expected = f"{trajectory.get_status_display()}|{trajectory.get_next_action_display()}"
            assert template.render(Context({"t": trajectory})) == expected
    trajectory.status = "not-a-status"
    assert Template('{% load choice_labels %}{{ t|label:"status" }}').render(Context({"t": trajectory})) == (
        "not-a-status"
    )
