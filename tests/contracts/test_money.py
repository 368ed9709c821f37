import pytest
from django.template import Context, Template

from coachcare.contracts.money import format_euros


@pytest.mark.parametrize(
    ("cents", "expected"),
    [
        (125_000, "€\u00a01.250,00"),
        (145_000, "€\u00a01.450,00"),
        (25_000_000, "€\u00a0250.000,00"),
        (123_456_789, "€\u00a01.234.567,89"),
        (0, "€\u00a00,00"),
        (5, "€\u00a00,05"),
        (-125_050, "€\u00a0-1.250,50"),
    ],
)
def test_format_euros(cents: int, expected: str) -> None:
    assert format_euros(cents) == expected


def test_template_filter() -> None:
    template = Template("{% load money %}[{{ amount|euros }}][{{ nothing|euros }}]")

    assert template.render(Context({"amount": 125_000, "nothing": None})) == "[€\u00a01.250,00][]"
