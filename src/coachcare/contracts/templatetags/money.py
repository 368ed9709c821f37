from django import template

from coachcare.contracts.money import format_euros

register = template.Library()


@register.filter
def euros(cents: int | str | None) -> str:
    """``{{ amount_cents|euros }}`` → ``€ 1.250,00``; empty for no amount."""
    if cents is None or cents == "":
        return ""
    return format_euros(int(cents))
