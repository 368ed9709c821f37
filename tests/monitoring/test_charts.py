"""The SVG charts escape every text they draw (labels, values, titles) as ``format_html`` did."""

import datetime

from django.utils.safestring import mark_safe

from coachcare.monitoring import charts
from coachcare.monitoring.selectors import ForecastMonth

HOSTILE = '<script>alert("x")</script>&'


def test_bar_chart_escapes_its_texts() -> None:
    svg = charts.bar_chart(
        title=HOSTILE, labels=[HOSTILE, "Q2"], values=[1.0, None], texts=[HOSTILE, "x"], chart_id="c"
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in svg
    assert svg.count("<rect") == 1  # the suppressed value draws no bar


def test_interval_and_line_charts_escape_their_texts() -> None:
    interval = charts.interval_chart(
        title=HOSTILE,
        bars=[charts.IntervalBar(label=HOSTILE, text=HOSTILE, value=0.5, low=0.4, high=0.6)],
        chart_id="i",
        reference=0.5,
        reference_label=HOSTILE,
    )
    line = charts.line_chart(title=HOSTILE, labels=[HOSTILE, "b"], series=[(HOSTILE, "#000", [1.0, 2.0])], chart_id="l")
    for svg in (interval, line):
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg


def test_safe_text_is_drawn_as_it_is() -> None:
    svg = charts.bar_chart(title="t", labels=[mark_safe("<b>Q1</b>")], values=[1.0], texts=["1"], chart_id="c")
    assert "<b>Q1</b>" in svg


def test_deviation_percent_rounds_as_widthratio() -> None:
    month = datetime.date(2026, 1, 1)
    assert ForecastMonth(month=month, expected_cents=1000, actual_cents=1125, complete=True).deviation_percent == 12
    assert ForecastMonth(month=month, expected_cents=1000, actual_cents=1135, complete=True).deviation_percent == 14
    assert ForecastMonth(month=month, expected_cents=1000, actual_cents=1500, complete=False).deviation_percent is None
