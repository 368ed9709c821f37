"""System check of the GAS convention: an unknown ``COACHCARE_GAS_CONVENTION`` stops the start."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from coachcare.measures.gas import GasConvention


@register()
def gas_convention_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.COACHCARE_GAS_CONVENTION not in {convention.value for convention in GasConvention}:
        return [
            Error(
                f"COACHCARE_GAS_CONVENTION is {settings.COACHCARE_GAS_CONVENTION!r}.",
                hint="Use one of: " + ", ".join(convention.value for convention in GasConvention),
                id="coachcare.E004",
            )
        ]
    return []
