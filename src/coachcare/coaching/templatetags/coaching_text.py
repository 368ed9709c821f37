"""Text written in Markdown (lessons, assignments, the young person's module texts) as safe HTML.

The method package's texts are Markdown (docs/method-package.md). ``markdown-it-py`` renders them
(CommonMark, raw HTML switched off, images off), then ``nh3`` keeps only a short list of tags and
``http``/``https``/``mailto``/``tel`` links, so whatever a package contains, a portal page never gets a
script, an event handler, a ``javascript:`` link or a style. ``{{ text|markdown }}``.

Only the method catalogue's texts go through it (immutable method versions, no personal data), and
the same lessons are shown on every portal page: the rendered HTML of a text is kept per process
(``functools.lru_cache``, bounded), so a page does not parse and sanitise them again.
"""

from functools import lru_cache

import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

register = template.Library()

#: What a lesson may use: paragraphs, emphasis, lists, quotes, links. A Markdown heading becomes a
#: bold paragraph: the page's own headings give the structure.
ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "a", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
#: The house classes on the rendered blocks, set by the sanitiser (never taken from the text).
CLASSES = {
    "p": {"class": "utrecht-paragraph"},
    "ul": {"class": "coachcare-bullets"},
    "ol": {"class": "coachcare-bullets"},
}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")
    parser.add_render_rule("heading_open", lambda *_args: "<p><strong>")
    parser.add_render_rule("heading_close", lambda *_args: "</strong></p>\n")
    return parser


@lru_cache(maxsize=1024)
def markdown_to_html(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML; empty for empty text."""
    if not text or not text.strip():
        return ""
    html = _parser().render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        set_tag_attribute_values=CLASSES,
        strip_comments=True,
    ).strip()


@register.filter
def markdown(text: str | None) -> SafeString:
    """``{{ text|markdown }}``: the text rendered and sanitised (see the module docstring)."""
    return mark_safe(markdown_to_html(str(text or "")))  # noqa: S308 - sanitised by nh3 with a fixed allow-list
