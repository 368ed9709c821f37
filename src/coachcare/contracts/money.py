"""Amounts in euro cents, shown the Dutch way: ``€ 1.250,00`` (thousands with a dot, cents after a comma)."""

#: A no-break space between the sign and the amount, so "€" never ends up alone at the end of a line.
EURO_SIGN = "€\u00a0"


def format_euros(cents: int) -> str:
    """``125000`` → ``"€ 1.250,00"``; ``-5`` → ``"€ -0,05"`` (with a no-break space after the sign)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{EURO_SIGN}{sign}{euros:,}".replace(",", ".") + f",{rest:02d}"
