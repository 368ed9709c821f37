"""``{% jinja "layout/header.html" %}``: a Jinja partial inside a Django template.

The page layout has one source: the header, navigation, messages and footer are Jinja partials
under ``src/coachcare/jinja2/layout/`` that both ``templates/base.html`` (through this tag) and the
Jinja layout ``jinja2/layout.html`` include (ADR 0008). The partial sees the Django context as it
is at the tag (after the context processors), plus ``csrf_input`` as Django's Jinja2 backend gives it.
"""

from typing import Any

from django import template
from django.http import HttpRequest
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from coachcare.home.jinja_env import CsrfInputOnce

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context: template.Context, template_name: str, **values: Any) -> SafeString:
    flat: dict[Any, Any] = context.flatten()
    request = flat.get("request")
    if isinstance(request, HttpRequest) and "csrf_input" not in flat:
        flat["csrf_input"] = CsrfInputOnce(request)
    flat.update(values)
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    html: str = env.get_template(template_name).render(flat)
    return mark_safe(html)  # noqa: S308 - autoescaped by Jinja
