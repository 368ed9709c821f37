"""``{{ text|markdown }}``: Markdown to HTML, sanitised (no script, no javascript: link, no raw HTML)."""

from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from coachcare.coaching.templatetags.coaching_text import markdown_to_html


def render(text: str) -> str:
    return Template("{% load coaching_text %}{{ text|markdown }}").render(Context({"text": text}))


class Elements(HTMLParser):
    """The elements and attributes of rendered HTML, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def test_emphasis_strong_and_lists_become_html() -> None:
    html = render("Een *klein* doel is **van jou**.\n\n- eerst\n- dan")
    assert '<p class="utrecht-paragraph">Een <em>klein</em> doel is <strong>van jou</strong>.</p>' in html
    assert '<ul class="coachcare-bullets">' in html and "<li>eerst</li>" in html
    assert "*" not in html


def test_a_heading_becomes_a_bold_paragraph() -> None:
    assert render("# Kop") == '<p class="utrecht-paragraph"><strong>Kop</strong></p>'


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Hallo <script>alert(1)</script> daar",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">klik</a>',
        "<iframe src=https://example.org></iframe>",
        '<p style="color:red">rood</p>',
        "<!-- commentaar --><b>vet</b>",
    ],
)
def test_raw_html_is_never_rendered_as_html(text: str) -> None:
    found = elements(render(text))
    assert {tag for tag, _attrs in found.tags} <= {"p", "a"}
    assert all(set(attrs) <= {"class", "href", "rel"} for _tag, attrs in found.tags)
    assert not found.comments
    assert "<script" not in render(text)


@pytest.mark.parametrize(
    "text",
    [
        "[klik](javascript:alert(1))",
        "[klik](JaVaScRiPt:alert(1))",
        "[klik](  javascript:alert(1))",
        "[klik](data:text/html;base64,PHNjcmlwdD4=)",
        "[klik](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
    ],
)
def test_dangerous_links_are_not_links(text: str) -> None:
    found = elements(render(text))
    assert [tag for tag, _attrs in found.tags if tag == "a"] == []


def test_safe_links_keep_their_target_and_get_noopener() -> None:
    html = render("[Hulp](https://www.113.nl) en [bel](tel:0800-0113)")
    assert '<a href="https://www.113.nl" rel="noopener noreferrer">Hulp</a>' in html
    assert '<a href="tel:0800-0113" rel="noopener noreferrer">bel</a>' in html


def test_text_is_escaped_and_empty_text_renders_nothing() -> None:
    assert "&lt;3 &amp; meer" in render("<3 & meer")
    assert render("") == "" and render("   ") == "" and markdown_to_html("") == ""
    assert Template("{% load coaching_text %}{{ missing|markdown }}").render(Context({})) == ""
