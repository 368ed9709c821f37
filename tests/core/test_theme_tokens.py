"""The coachcare theme (issue 16.12): one tokens file that passes WCAG 2.1 AA and can be replaced.

The contrast pairs are the ones the interface draws: text on the page and on cards, links and
buttons, error/success/warning text, the subtle (secondary) text, white on the primary button, the
badge and the crisis entry, and 3:1 for borders of form controls (WCAG 1.4.11).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKENS = ROOT / "src" / "coachcare" / "static" / "coachcare" / "theme" / "tokens.css"


def _declarations(css: str) -> dict[str, str]:
    return {name: value.strip() for name, value in re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", css)}


def _resolve(tokens: dict[str, str], value: str, depth: int = 0) -> str:
    match = re.fullmatch(r"var\((--[\w-]+)(?:,\s*[^)]*)?\)", value)
    if match is None:
        return value
    assert depth < 10, value
    return _resolve(tokens, tokens[match.group(1)], depth + 1)


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    assert len(hex_colour) == 6, hex_colour
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


TOKEN_VALUES = _declarations(TOKENS.read_text())

#: (foreground token, background token, minimum ratio)
PAIRS = [
    ("--basis-color-default-color-document", "--basis-color-default-bg-document", 4.5),
    ("--basis-color-default-color-document", "--coachcare-color-surface", 4.5),
    ("--basis-color-default-color-subtle", "--basis-color-default-bg-document", 4.5),
    ("--basis-color-default-color-subtle", "--coachcare-color-surface", 4.5),
    ("--basis-color-default-color-subtle", "--basis-color-info-bg-subtle", 4.5),
    ("--basis-color-action-1-color-default", "--coachcare-color-surface", 4.5),
    ("--basis-color-action-2-color-default", "--basis-color-default-bg-document", 4.5),
    ("--basis-color-action-2-color-hover", "--basis-color-default-bg-document", 4.5),
    ("--basis-color-action-1-inverse-color-default", "--basis-color-action-1-inverse-bg-default", 4.5),
    ("--basis-color-action-1-inverse-color-hover", "--basis-color-action-1-inverse-bg-hover", 4.5),
    ("--basis-color-negative-color-default", "--basis-color-default-bg-document", 4.5),
    ("--basis-color-negative-color-document", "--basis-color-negative-bg-default", 4.5),
    ("--basis-color-positive-color-document", "--basis-color-positive-bg-default", 4.5),
    ("--basis-color-warning-color-document", "--basis-color-warning-bg-default", 4.5),
    ("--basis-color-info-color-document", "--basis-color-info-bg-default", 4.5),
    ("--coachcare-color-badge-text", "--coachcare-color-badge-bg", 4.5),
    ("--coachcare-color-icon", "--coachcare-color-icon-bg", 3.0),
    ("--coachcare-color-brand-mark", "--coachcare-color-header-bg", 3.0),
    ("--basis-color-default-border-default", "--basis-form-control-background-color", 3.0),
    ("--basis-color-negative-border-default", "--basis-color-default-bg-document", 3.0),
]


@pytest.mark.parametrize(("foreground", "background", "minimum"), PAIRS, ids=lambda value: str(value))
def test_token_pairs_pass_wcag_aa(foreground: str, background: str, minimum: float) -> None:
    ratio = contrast(_resolve(TOKEN_VALUES, TOKEN_VALUES[foreground]), _resolve(TOKEN_VALUES, TOKEN_VALUES[background]))
    assert ratio >= minimum, f"{foreground} on {background}: {ratio:.2f}:1 < {minimum}:1"


def test_the_contrast_check_can_fail() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") < 4.5


def test_every_palette_step_400_and_darker_reads_on_white() -> None:
    """The promise at the top of tokens.css, which the role mapping relies on."""
    steps = {
        name: value for name, value in TOKEN_VALUES.items() if re.fullmatch(r"--coachcare-color-\w+-[4-7]00", name)
    }
    assert len(steps) >= 20
    for name, value in steps.items():
        assert contrast(value, "#ffffff") >= 4.5, name


def test_the_base_template_loads_the_tokens_after_the_voorbeeld_theme() -> None:
    # The style sheets are the layout partial that base.html and the Jinja layout both include.
    base = (ROOT / "src" / "coachcare" / "jinja2" / "layout" / "head.html").read_text()
    assert base.index("voorbeeld-design-tokens/theme.css") < base.index("coachcare/theme/tokens.css")
    assert base.index("coachcare/theme/tokens.css") < base.index("coachcare/css/coachcare.css")
    for layout in ("templates/base.html", "jinja2/layout.html"):
        assert 'class="voorbeeld-theme coachcare-theme' in (ROOT / "src" / "coachcare" / layout).read_text()


def test_a_provider_replaces_the_tokens_with_coachcare_theme_dir(tmp_path: Path) -> None:
    own = tmp_path / "coachcare" / "theme" / "tokens.css"
    own.parent.mkdir(parents=True)
    own.write_text(".coachcare-theme { --coachcare-color-teal-400: #004488; }\n")
    script = (
        "import django; django.setup();"
        "from django.contrib.staticfiles import finders;"
        "print(finders.find('coachcare/theme/tokens.css'));"
        "print(finders.find('coachcare/css/coachcare.css'))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coachcare.conf.test",
        "COACHCARE_THEME_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    tokens_path, css_path = result.stdout.split()
    assert tokens_path == str(own)
    assert css_path == str(ROOT / "src" / "coachcare" / "static" / "coachcare" / "css" / "coachcare.css")
