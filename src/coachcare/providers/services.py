"""Writes of the providers app: the provider's own settings."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.providers.models import GateDeviation, Provider


def provider_gate_approvals_set(*, actor: User, provider: Provider, kinds: list[str]) -> Provider:
    """Choose which gate decisions against the advice wait for the team lead
    (``Provider.gate_approval_required``; ``policy.can_set_gate_approvals``). The others are still
    recorded as deviations, but need no approval. Applies to decisions taken from now on."""
    if not policy.can_set_gate_approvals(actor, provider.pk):
        raise policy.AccessDenied(_("Only a team lead or the administrator of the provider changes this setting."))
    unknown = sorted(set(kinds) - set(GateDeviation.values))
    if unknown:
        raise ValidationError({"kinds": [_("Unknown kind of deviation: %(codes)s.") % {"codes": ", ".join(unknown)}]})
    chosen = [value for value in GateDeviation.values if value in set(kinds)]  # in the list's own order
    with transaction.atomic():
        Provider.objects.filter(pk=provider.pk).update(gate_approval_required=chosen)
    provider.refresh_from_db()
    return provider
