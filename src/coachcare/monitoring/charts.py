"""Server-rendered SVG charts (strict CSP: no script, no style attributes; fill/stroke only).

Every chart has a ``<title>`` and a ``<desc>``; the page shows the same numbers in a table.
Suppressed values draw no bar and are labelled with their mark ("x").
"""

import dataclasses
from collections.abc import Callable, Sequence
from html import escape

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


def _e(value: object) -> str:
    """``value`` escaped for HTML as ``format_html`` escapes its arguments (``conditional_escape``:
    safe strings as they are), in a few calls: a chart has hundreds of parts (issue 19)."""
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else escape(str(value))


def _y_axis(*, top: float, tick_label: Callable[[float], str], left: float, plot_height: float) -> SafeString:
    """A vertical axis with three ticks (0, half, top), labelled by ``tick_label``."""
    ticks = []
    for fraction in (0.0, 0.5, 1.0):
        y = HEIGHT - MARGIN_BOTTOM - plot_height * fraction
        label = _e(tick_label(top * fraction))
        ticks.append(
            f'<line x1="{left - 4:.1f}" y1="{y:.1f}" x2="{WIDTH:.1f}" y2="{y:.1f}" stroke="{GRID_STROKE}" '
            f'stroke-width="1"></line><text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT_FILL}">{label}</text>'
        )
    axis = (
        f'<line x1="{left:.1f}" y1="{MARGIN_TOP:.1f}" x2="{left:.1f}" y2="{HEIGHT - MARGIN_BOTTOM:.1f}" '
        f'stroke="{TEXT_FILL}" stroke-width="1"></line>'
    )
    return mark_safe("".join(ticks) + axis)  # noqa: S308 - every value in it is a number or escaped


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
    for index, (raw_label, value, raw_text) in enumerate(zip(labels, values, texts, strict=True)):
        label, text = _e(raw_label), _e(raw_text)
        x = left + index * slot + slot * 0.15
        bar_width = slot * 0.7
        height = 0.0 if value is None else plot_height * min(1.0, max(0.0, value) / top)
        y = HEIGHT - MARGIN_BOTTOM - height
        bar = (
            ""
            if value is None
            else f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{height:.1f}" '
            f'fill="{BAR_FILL}"></rect>'
        )
        middle = x + bar_width / 2
        parts.append(
            f"<g><title>{label}: {text}</title>{bar}"
            f'<text x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12" fill="{TEXT_FILL}">'
            f"{text}</text>"
            f'<text x="{middle:.1f}" y="{HEIGHT - 8:.1f}" text-anchor="middle" font-size="12" fill="{TEXT_FILL}">'
            f"{label}</text></g>"
        )
    desc = _e("; ".join(f"{label}: {text}" for label, text in zip(labels, texts, strict=True)))
    axis = _y_axis(top=top, tick_label=tick_label, left=left, plot_height=plot_height)
    chart = _e(chart_id)
    return mark_safe(  # noqa: S308 - every value in it is a number, a constant or escaped
        f'<svg class="coachcare-monitoring-chart" role="img" aria-labelledby="{chart}-title {chart}-desc" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{chart}-title">'
        f'{_e(title)}</title><desc id="{chart}-desc">{desc}</desc>{axis}{"".join(parts)}</svg>'
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
        x = x_of(tick)
        label = _e(tick_label(tick)) if tick_label else f"{tick * 100:.0f}%"
        parts.append(
            f'<line x1="{x:.1f}" y1="{MARGIN_TOP:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{GRID_STROKE}" '
            f'stroke-width="1"></line><text x="{x:.1f}" y="{height - 8:.1f}" text-anchor="middle" font-size="11" '
            f'fill="{TEXT_FILL}">{label}</text>'
        )
    for index, bar in enumerate(bars):
        y = MARGIN_TOP + index * row_height
        middle = y + row_height / 2
        drawn = ""
        if bar.value is not None:
            drawn = (
                f'<rect x="{plot_left:.1f}" y="{middle - 8:.1f}" width="{x_of(bar.value) - plot_left:.1f}" '
                f'height="16" fill="{BAR_FILL}"></rect>'
            )
            if bar.low is not None and bar.high is not None:
                lo, hi = f"{x_of(bar.low):.1f}", f"{x_of(bar.high):.1f}"
                y0, y1, y2 = f"{middle:.1f}", f"{middle - 7:.1f}", f"{middle + 7:.1f}"
                drawn += (
                    f'<line x1="{lo}" y1="{y0}" x2="{hi}" y2="{y0}" stroke="{WHISKER_STROKE}" stroke-width="2"></line>'
                    f'<line x1="{lo}" y1="{y1}" x2="{lo}" y2="{y2}" stroke="{WHISKER_STROKE}" stroke-width="2"></line>'
                    f'<line x1="{hi}" y1="{y1}" x2="{hi}" y2="{y2}" stroke="{WHISKER_STROKE}" stroke-width="2"></line>'
                )
        label, text, ty = _e(bar.label), _e(bar.text), f"{middle + 4:.1f}"
        parts.append(
            f"<g><title>{label}: {text}</title>"
            f'<text x="{plot_left - 6:.1f}" y="{ty}" text-anchor="end" font-size="12" fill="{TEXT_FILL}">{label}</text>'
            f'{drawn}<text x="{plot_right + 6:.1f}" y="{ty}" font-size="12" fill="{TEXT_FILL}">{text}</text></g>'
        )
    if reference is not None:
        x = x_of(reference)
        parts.append(
            f'<g><title>{_e(reference_label)}</title><line x1="{x:.1f}" y1="{MARGIN_TOP - 6:.1f}" x2="{x:.1f}" '
            f'y2="{bottom:.1f}" stroke="{REFERENCE_STROKE}" stroke-width="2" stroke-dasharray="5 3"></line></g>'
        )
    chart = _e(chart_id)
    desc = _e("; ".join(f"{bar.label}: {bar.text}" for bar in bars))
    return mark_safe(  # noqa: S308 - every value in it is a number, a constant or escaped
        f'<svg class="coachcare-monitoring-chart" role="img" aria-labelledby="{chart}-title {chart}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{chart}-title">'
        f'{_e(title)}</title><desc id="{chart}-desc">{desc}</desc>{"".join(parts)}</svg>'
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

    lines = "".join(
        f'<g><title>{_e(name)}</title><polyline points="{" ".join(point(i, v) for i, v in enumerate(values))}" '
        f'fill="none" stroke="{_e(colour)}" stroke-width="3"></polyline></g>'
        for name, colour, values in series
    )
    ticks = "".join(
        f'<text x="{MARGIN_LEFT + i * step:.1f}" y="{HEIGHT - 8:.1f}" text-anchor="middle" font-size="11" '
        f'fill="{TEXT_FILL}">{_e(label)}</text>'
        for i, label in enumerate(labels)
        if i % 3 == 0
    )
    legend = "".join(
        f'<text x="{MARGIN_LEFT + 160 * i:.0f}" y="12" font-size="12" fill="{_e(colour)}">{_e(name)}</text>'
        for i, (name, colour, _v) in enumerate(series)
    )
    chart = _e(chart_id)
    return mark_safe(  # noqa: S308 - every value in it is a number, a constant or escaped
        f'<svg class="coachcare-monitoring-chart" role="img" aria-labelledby="{chart}-title" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{chart}-title">{_e(title)}</title>'
        f"{legend}{lines}{ticks}</svg>"
    )
