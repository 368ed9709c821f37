"""System checks of the DigiD configuration: a wrong level or mapping stops the start, not a login."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from coachcare.accounts import digid


@register()
def digid_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.COACHCARE_OIDC_CLIENT_ID:
        return []
    errors = []
    if not digid.digid_enabled():
        errors.append(
            Error(
                "COACHCARE_OIDC_CLIENT_ID is set, but neither COACHCARE_OIDC_DISCOVERY_URL nor the "
                "authorization and token endpoints are.",
                hint="See docs/operations.md, Connecting a DigiD broker.",
                id="coachcare.E020",
            )
        )
    try:
        digid.minimum_loa()
        digid.loa_mapping_parse(settings.COACHCARE_OIDC_LOA_MAPPING)
    except ImproperlyConfigured as exc:
        errors.append(Error(str(exc), hint="See docs/configuration.md.", id="coachcare.E021"))
    return errors
