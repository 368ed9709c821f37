"""Annotations on the dashboard and the municipality's reference cost."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.monitoring import indicators as ind
from coachcare.monitoring.models import (
    Annotation,
    ReferenceCost,
)
from coachcare.municipalities.models import Municipality


def annotation_create(
    *,
    actor: User,
    indicator_code: str,
    period_from: datetime.date,
    period_to: datetime.date,
    text: str,
    municipality: Municipality | None = None,
    provider_id: int | None = None,
    shared_with: Municipality | None = None,
) -> Annotation:
    """Add the story behind a figure. Municipality staff annotate their municipality's figures,
    team leads and the administrator their provider's; a provider's annotation may be shared with
    a municipality it has a contract with ("gedeeld met de gemeente")."""
    if not policy.can_annotate_figures(actor):
        raise policy.Refused(_("You may not annotate figures."))
    if municipality is not None and not policy.can_see_municipality_dashboard(actor, municipality.pk):
        raise policy.Refused(_("Only the municipality's staff annotate its figures."))
    if municipality is None and provider_id is None:
        raise ValidationError(_("An annotation belongs to a municipality or a provider."))
    if indicator_code not in ind.BY_CODE:
        raise ValidationError({"indicator_code": _("Unknown indicator.")})
    if period_to < period_from:
        raise ValidationError({"period_to": _("The end of the period cannot be before its start.")})
    if shared_with is not None and (municipality is not None or provider_id is None):
        raise ValidationError({"shared_with": _("Only a provider's comment is shared with a municipality.")})
    if shared_with is not None and not policy.can_share_annotation_with(actor, shared_with.pk):
        raise policy.Refused(_("Only a provider with a contract shares its comments with the municipality."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    return Annotation.objects.create(
        municipality=municipality,
        provider_id=provider_id if municipality is None else None,
        indicator_code=indicator_code,
        period_from=period_from,
        period_to=period_to,
        text=text,
        author=actor,
        shared_with=shared_with if municipality is None else None,
    )


def reference_cost_set(
    *, actor: User, municipality: Municipality, amount_cents: int, description: str = ""
) -> ReferenceCost:
    if not policy.can_set_reference_cost(actor, municipality.pk):
        raise policy.Refused(_("Only the municipality's policy staff set the reference cost."))
    if amount_cents <= 0:
        raise ValidationError({"amount_cents": _("The reference cost must be more than zero.")})
    reference, _created = ReferenceCost.objects.update_or_create(
        municipality=municipality,
        defaults={"amount_cents": amount_cents, "description": description.strip(), "updated_by": actor},
    )
    return reference
