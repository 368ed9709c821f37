"""iJw code lists the method catalogue uses (values as published, see docs/method-package.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    """Eenheid (iJw code list WJ756). A Coach & Care module is an output unit: 82 stuks."""

    MINUTE = "01", _("minute")
    HOUR = "04", _("hour")
    DAY_AND_NIGHT = "14", _("24 hours (etmaal)")
    DAY_PART = "16", _("day part (4 hours)")
    PIECES_OUTPUT = "82", _("pieces (output)")
    EUROS = "83", _("euros")
    PIECES_EFFORT = "84", _("pieces (effort)")


#: Productcategorie (iJw code list JZ020): 31 to 38 (2015 categories) and 40 to 55.
PRODUCT_CATEGORIES: frozenset[str] = frozenset(
    [str(code) for code in range(31, 39)] + [str(code) for code in range(40, 56)]
)
