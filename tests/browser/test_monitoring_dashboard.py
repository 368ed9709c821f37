"""The municipality dashboard at 1366x768 and on a phone (360x740): nothing scrolls the page sideways,
no name or definition runs into the number cells, the filters are labelled, every chart has a title
and axis labels, the labels are Dutch, and axe finds nothing serious."""

import pytest
from playwright.sync_api import Page, ViewportSize
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES: list[ViewportSize] = [{"width": 1366, "height": 768}, {"width": 360, "height": 740}]

# Every row header (name and definition) ends left of the first number cell of its row, and every
# cell's content fits its cell (no text drawn over the neighbouring column).
OVERLAPS = """() => {
  const problems = [];
  for (const row of document.querySelectorAll('main table tbody tr')) {
    const head = row.querySelector('th[scope=row]');
    const first = row.querySelector('td');
    if (head && first && head.getBoundingClientRect().right > first.getBoundingClientRect().left + 1) {
      problems.push('row header over numbers: ' + head.textContent.trim().slice(0, 40));
    }
    for (const cell of row.querySelectorAll('th, td')) {
      if (cell.scrollWidth > cell.clientWidth + 1) problems.push('cut off: ' + cell.textContent.trim().slice(0, 40));
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("size", SIZES, ids=["1366x768", "360x740"])
def test_municipality_dashboard_layout(login: Login, live_server: LiveServer, size: ViewportSize) -> None:
    page: Page = login("beleid")
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/monitoring/municipality/")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1, "the page scrolls sideways"
    assert page.evaluate(OVERLAPS) == []
    # the question and its answer come first
    assert page.locator("#summary-title").inner_text().startswith("Werkt Coach & Care in ")
    # filters: every control has a label that points at it
    for control in ("filter-date_from", "filter-date_to", "filter-module", "filter-age_band"):
        assert page.locator(f"label[for='{control}']").count() == 1, control
    assert page.locator("#filter-age_band option", has_text="12 tot 16").count() == 1
    # every chart: a title, and axis tick labels
    charts = page.locator("svg.coachcare-monitoring-chart")
    assert charts.count() >= 8
    for chart in charts.all():
        assert (chart.locator("title").first.text_content() or "").strip()
        assert chart.locator("text").count() >= 3
    for chart in charts.all():
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 1
    assert_accessible(page)
