"""Lesson text (a small subset of Markdown) as safe HTML: paragraphs, bullet lists and bold."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    return BOLD.sub(r"<strong>\1</strong>", escape(text))


@register.filter
def lesson_text(body: str) -> SafeString:
    blocks = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            blocks.append(f'<ul class="coachcare-bullets">{items}</ul>')
        elif lines:
            blocks.append(f'<p class="utrecht-paragraph">{"<br>".join(_inline(line) for line in lines)}</p>')
    return mark_safe("\n".join(blocks))  # noqa: S308 - every piece of text is escaped above
