"""Server-rendered SVG charts (strict CSP: no script, no style attributes; fill/stroke only).

Every chart has a ``<title>`` and a ``<desc>``; the page shows the same numbers in a table.
Suppressed values draw no bar and are labelled with their mark ("x").
"""

import dataclasses
from collections.abc import Callable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from coachcare.contracts.money import format_euros

WIDTH = 560
HEIGHT = 200
MARGIN_LEFT = 8
MARGIN_BOTTOM = 28
MARGIN_TOP = 18
BAR_FILL = "#01689b"
LINE_EXPECTED = "#8fcae7"
LINE_ACTUAL = "#01689b"
TEXT_FILL = "#154273"
GRID_STROKE = "#c9d3dd"
WHISKER_STROKE = "#1a1a1a"
REFERENCE_STROKE = "#b3261e"
AXIS_LEFT = 48


def percent(value: float) -> str:
    """A tick label for shares (0..1)."""
    return f"{value * 100:.0f}%"


def _y_axis(*, top: float, tick_label: Callable[[float], str], left: float, plot_height: float) -> SafeString:
    """A vertical axis with three ticks (0, half, top), labelled by ``tick_label``."""
    ticks = []
    for fraction in (0.0, 0.5, 1.0):
        y = HEIGHT - MARGIN_BOTTOM - plot_height * fraction
        value = top * fraction
        label = tick_label(value)
        ticks.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"></line>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                f"{left - 4:.1f}",
                f"{y:.1f}",
                f"{WIDTH:.1f}",
                f"{y:.1f}",
                GRID_STROKE,
                f"{left - 6:.1f}",
                f"{y + 4:.1f}",
                TEXT_FILL,
                label,
            )
        )
    axis = format_html(
        '<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{c}" stroke-width="1"></line>',
        x=f"{left:.1f}",
        top=f"{MARGIN_TOP:.1f}",
        bottom=f"{HEIGHT - MARGIN_BOTTOM:.1f}",
        c=TEXT_FILL,
    )
    return mark_safe("".join(ticks) + axis)  # noqa: S308 - every part is built with format_html


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    texts: Sequence[str],
    chart_id: str,
    tick_label: Callable[[float], str] = lambda value: f"{value:.0f}",
    top: float | None = None,
) -> SafeString:
    """One bar per label; ``texts`` are the labels above the bars (already formatted, maybe "x").

    A value of ``None`` (suppressed or not computable) draws no bar, only its text. The y axis has
    ticks at 0, half and ``top`` (default: the largest value), labelled by ``tick_label``
    (``percent`` for shares).
    """
    count = max(1, len(labels))
    left = AXIS_LEFT
    slot = (WIDTH - left) / count
    top = top or max([v for v in values if v is not None] or [0.0]) or 1.0
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    parts = []
    for index, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        x = left + index * slot + slot * 0.15
        bar_width = slot * 0.7
        height = 0.0 if value is None else plot_height * min(1.0, max(0.0, value) / top)
        y = HEIGHT - MARGIN_BOTTOM - height
        bar = (
            ""
            if value is None
            else format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar_width:.1f}",
                f"{height:.1f}",
                BAR_FILL,
            )
        )
        parts.append(
            format_html(
                "<g><title>{}: {}</title>{}"
                '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text></g>',
                label,
                text,
                bar,
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
        '<desc id="{id}-desc">{desc}</desc>{axis}{bars}</svg>',
        id=chart_id,
        w=WIDTH,
        h=HEIGHT,
        title=title,
        desc="; ".join(f"{label}: {text}" for label, text in zip(labels, texts, strict=True)),
        axis=_y_axis(top=top, tick_label=tick_label, left=left, plot_height=plot_height),
        bars=mark_safe("".join(parts)),  # noqa: S308 - every part is built with format_html
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class IntervalBar:
    """One row of an interval chart: a share with its 95% interval; ``value`` ``None``: not drawn."""

    label: str
    text: str  # the value as shown, e.g. "72% (58–83%)" or "x"
    value: float | None
    low: float | None = None
    high: float | None = None


def interval_chart(
    *,
    title: str,
    bars: Sequence[IntervalBar],
    chart_id: str,
    reference: float | None = None,
    reference_label: str = "",
    tick_label: Callable[[float], str] | None = None,
    label_width: int = 230,
) -> SafeString:
    """Horizontal bars of shares (0 to 100%) with their 95% interval as a whisker, the value at the
    end of each row and an x axis at 0, 25, 50, 75 and 100%. A row without a value (suppressed)
    draws no bar: only its label and its text ("x"). ``reference``: a dashed vertical line."""
    row_height = 34
    text_width = 120
    plot_left, plot_right = label_width, WIDTH - text_width
    plot_width = plot_right - plot_left
    height = MARGIN_TOP + row_height * max(1, len(bars)) + MARGIN_BOTTOM
    bottom = height - MARGIN_BOTTOM

    def x_of(share: float) -> float:
        return plot_left + plot_width * min(1.0, max(0.0, share))

    parts = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            format_html(
                '<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{grid}" stroke-width="1"></line>'
                '<text x="{x}" y="{label_y}" text-anchor="middle" font-size="11" fill="{fill}">{label}</text>',
                x=f"{x_of(tick):.1f}",
                top=f"{MARGIN_TOP:.1f}",
                bottom=f"{bottom:.1f}",
                grid=GRID_STROKE,
                label_y=f"{height - 8:.1f}",
                fill=TEXT_FILL,
                label=tick_label(tick) if tick_label else f"{tick * 100:.0f}%",
            )
        )
    for index, bar in enumerate(bars):
        y = MARGIN_TOP + index * row_height
        middle = y + row_height / 2
        drawn = ""
        if bar.value is not None:
            drawn = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
                f"{plot_left:.1f}",
                f"{middle - 8:.1f}",
                f"{x_of(bar.value) - plot_left:.1f}",
                "16",
                BAR_FILL,
            )
            if bar.low is not None and bar.high is not None:
                drawn += format_html(
                    '<line x1="{lo}" y1="{y}" x2="{hi}" y2="{y}" stroke="{c}" stroke-width="2"></line>'
                    '<line x1="{lo}" y1="{y1}" x2="{lo}" y2="{y2}" stroke="{c}" stroke-width="2"></line>'
                    '<line x1="{hi}" y1="{y1}" x2="{hi}" y2="{y2}" stroke="{c}" stroke-width="2"></line>',
                    lo=f"{x_of(bar.low):.1f}",
                    hi=f"{x_of(bar.high):.1f}",
                    y=f"{middle:.1f}",
                    y1=f"{middle - 7:.1f}",
                    y2=f"{middle + 7:.1f}",
                    c=WHISKER_STROKE,
                )
        parts.append(
            format_html(
                "<g><title>{label}: {text}</title>"
                '<text x="{lx}" y="{ty}" text-anchor="end" font-size="12" fill="{fill}">{label}</text>{drawn}'
                '<text x="{vx}" y="{ty}" font-size="12" fill="{fill}">{text}</text></g>',
                label=bar.label,
                text=bar.text,
                lx=f"{plot_left - 6:.1f}",
                vx=f"{plot_right + 6:.1f}",
                ty=f"{middle + 4:.1f}",
                fill=TEXT_FILL,
                drawn=drawn,
            )
        )
    if reference is not None:
        parts.append(
            format_html(
                '<g><title>{label}</title><line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{c}" '
                'stroke-width="2" stroke-dasharray="5 3"></line></g>',
                label=reference_label,
                x=f"{x_of(reference):.1f}",
                top=f"{MARGIN_TOP - 6:.1f}",
                bottom=f"{bottom:.1f}",
                c=REFERENCE_STROKE,
            )
        )
    return format_html(
        '<svg class="coachcare-monitoring-chart" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}</desc>{parts}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        desc="; ".join(f"{bar.label}: {bar.text}" for bar in bars),
        parts=mark_safe("".join(parts)),  # noqa: S308 - every part is built with format_html
    )


def amount_chart(*, title: str, rows: Sequence[tuple[str, float | None, str]], chart_id: str) -> SafeString:
    """Horizontal bars of amounts (label, value or ``None``: not drawn, text) on a common scale
    from 0 with an x axis at 0, half and the largest value; e.g. cost against the reference cost."""
    top = max([v for _l, v, _t in rows if v is not None] or [0.0]) or 1.0
    bars = [
        IntervalBar(label=label, text=text, value=None if value is None else value / top) for label, value, text in rows
    ]
    return interval_chart(
        title=title,
        bars=bars,
        chart_id=chart_id,
        tick_label=lambda share: format_euros(round(top * share)),
        label_width=150,
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
