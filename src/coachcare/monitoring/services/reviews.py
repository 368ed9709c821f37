"""The kwartaalgesprek: a quarterly review between municipality and provider, its agreed actions
and their follow-up (docs/indicators.md, "Quarterly review")."""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.monitoring.models import QuarterlyReview, ReviewAction
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider


@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreedAction:
    description: str
    owner: str
    due_on: datetime.date


@transaction.atomic
def quarterly_review_record(
    *,
    actor: User,
    municipality: Municipality,
    provider: Provider,
    held_on: datetime.date,
    participants: str,
    summary: str = "",
    actions: list[AgreedAction],
) -> QuarterlyReview:
    """Record a kwartaalgesprek with its agreed actions (each with an owner and a due date)."""
    if not policy.can_record_quarterly_review(actor, municipality_id=municipality.pk, provider_id=provider.pk):
        raise policy.Refused(_("You cannot record a review."))
    errors: dict[str, str] = {}
    if not participants.strip():
        errors["participants"] = _("Name the participants.")
    for action in actions:
        if not action.description.strip() or not action.owner.strip():
            errors["actions"] = _("Every agreed action has a description and an owner.")
        elif action.due_on < held_on:
            errors["actions"] = _("An agreed action cannot be due before the review.")
    if errors:
        raise ValidationError(errors)
    review = QuarterlyReview.objects.create(
        municipality=municipality,
        provider=provider,
        held_on=held_on,
        participants=participants.strip(),
        summary=summary.strip(),
        recorded_by=actor,
    )
    ReviewAction.objects.bulk_create(
        ReviewAction(review=review, description=a.description.strip(), owner=a.owner.strip(), due_on=a.due_on)
        for a in actions
    )
    return review


def review_action_follow_up(*, actor: User, action: ReviewAction, status: str, follow_up: str) -> ReviewAction:
    """Record how an agreed action was followed up (open, done or dropped, with a note)."""
    review = action.review
    if not policy.can_record_quarterly_review(
        actor, municipality_id=review.municipality_id, provider_id=review.provider_id
    ):
        raise policy.Refused(_("Only the parties to the review follow up its actions."))
    if status not in ReviewAction.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    action.status = status
    action.follow_up = follow_up.strip()
    action.save(update_fields=["status", "follow_up", "updated_at"])
    return action
