"""Server-rendered SVG charts (strict CSP: no script, no style attributes; fill/stroke only).

Every chart has a ``<title>`` and a ``<desc>``; the page shows the same numbers in a table.
Suppressed values draw no bar and are labelled "<5".
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 560
HEIGHT = 200
MARGIN_LEFT = 8
MARGIN_BOTTOM = 28
MARGIN_TOP = 18
BAR_FILL = "#01689b"
LINE_EXPECTED = "#8fcae7"
LINE_ACTUAL = "#01689b"
TEXT_FILL = "#154273"


def bar_chart(
    *, title: str, labels: Sequence[str], values: Sequence[float | None], texts: Sequence[str], chart_id: str
) -> SafeString:
    """One bar per label; ``texts`` are the labels above the bars (already formatted, maybe "<5")."""
    count = max(1, len(labels))
    slot = (WIDTH - MARGIN_LEFT) / count
    top = max([v for v in values if v is not None] or [0.0]) or 1.0
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    parts = []
    for index, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        x = MARGIN_LEFT + index * slot + slot * 0.15
        bar_width = slot * 0.7
        height = 0.0 if value is None else plot_height * max(0.0, value) / top
        y = HEIGHT - MARGIN_BOTTOM - height
        parts.append(
            format_html(
                '<g><title>{}: {}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text></g>',
                label,
                text,
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar_width:.1f}",
                f"{height:.1f}",
                BAR_FILL,
                f"{x + bar_width / 2:.1f}",
                f"{y - 4:.1f}",
                TEXT_FILL,
                text,
                f"{x + bar_width / 2:.1f}",
                f"{HEIGHT - 8:.1f}",
                TEXT_FILL,
                label,
            )
        )
    return format_html(
        '<svg class="coachcare-monitoring-chart" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}</desc>{bars}</svg>',
        id=chart_id,
        w=WIDTH,
        h=HEIGHT,
        title=title,
        desc="; ".join(f"{label}: {text}" for label, text in zip(labels, texts, strict=True)),
        bars=mark_safe("".join(parts)),  # noqa: S308 - every part is built with format_html
    )


def line_chart(
    *, title: str, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], chart_id: str
) -> SafeString:
    """Lines (name, colour, values) over the labels, e.g. expected against actual spending."""
    count = max(2, len(labels))
    step = (WIDTH - MARGIN_LEFT * 2) / (count - 1)
    top = max([v for _n, _c, values in series for v in values] or [0.0]) or 1.0
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP

    def point(index: int, value: float) -> str:
        return f"{MARGIN_LEFT + index * step:.1f},{HEIGHT - MARGIN_BOTTOM - plot_height * value / top:.1f}"

    lines = format_html_join(
        "",
        '<g><title>{}</title><polyline points="{}" fill="none" stroke="{}" stroke-width="3"></polyline></g>',
        ((name, " ".join(point(i, v) for i, v in enumerate(values)), colour) for name, colour, values in series),
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
        (
            (f"{MARGIN_LEFT + i * step:.1f}", f"{HEIGHT - 8:.1f}", TEXT_FILL, label)
            for i, label in enumerate(labels)
            if i % 3 == 0
        ),
    )
    legend = format_html_join(
        "",
        '<text x="{}" y="12" font-size="12" fill="{}">{}</text>',
        ((f"{MARGIN_LEFT + 160 * i:.0f}", colour, name) for i, (name, colour, _v) in enumerate(series)),
    )
    return format_html(
        '<svg class="coachcare-monitoring-chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {w} {h}" '
        'width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>'
        "{legend}{lines}{ticks}</svg>",
        id=chart_id,
        w=WIDTH,
        h=HEIGHT,
        title=title,
        legend=legend,
        lines=lines,
        ticks=ticks,
    )
