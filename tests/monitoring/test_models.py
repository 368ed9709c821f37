"""The derived per-trajectory tables share their key columns through one abstract model."""

from django.db import models

from coachcare.monitoring.models import TrajectoryOutcome, TrajectoryScope, TrajectoryWaiting

SCOPE = {"municipality", "provider", "team", "age_at_referral", "referred_on"}


def test_outcome_and_waiting_take_their_key_columns_from_one_abstract_model() -> None:
    assert TrajectoryScope._meta.abstract
    assert {field.name for field in TrajectoryScope._meta.fields} == SCOPE
    for model in (TrajectoryOutcome, TrajectoryWaiting):
        assert issubclass(model, TrajectoryScope)
        fields = {field.name: field for field in model._meta.concrete_fields}
        assert set(fields) >= SCOPE
        assert fields["trajectory"].primary_key
        for name in ("municipality", "provider", "team"):
            relation = fields[name]
            assert isinstance(relation, models.ForeignKey) and relation.remote_field.related_name == "+"
