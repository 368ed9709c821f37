"""The Jinja2 environment of the hot pages (ADR 0008, docs/performance.md).

Django's own backend (``django.template.backends.jinja2.Jinja2``) renders the templates under
``src/coachcare/jinja2/``: the pages that make up most of the load-test mix (caseload, inbox,
thread and its poll, youth portal). The Django template language costs several times more Python
work per node; everything else stays in ``src/coachcare/templates/``.

The environment gives the tools the Django templates use, with the same output:

- ``url(name, *args, **kwargs)`` (``{% url %}``), ``static(path)`` (``{% static %}``);
- ``_()``, ``gettext()``, ``ngettext()``, ``pgettext()`` (``jinja2.ext.i18n``, "new style": the
  translation is looked up in the language active for the request when the template runs, and
  ``%(name)s`` placeholders are filled from keyword arguments, escaped; the msgids are the ones
  ``{% blocktranslate %}`` makes, so the Dutch catalogue serves both). ``make messages`` extracts
  them through ``coachcare.home.management.commands.makemessages``;
- ``csrf_input`` (the Django backend puts it in every context), ``csp_nonce`` (context processor);
- the filters ``date`` (Django's ``date`` filter, after ``template_localtime`` as Django does),
  ``label`` (a choice field's label), ``linebreaksbr``, ``filesizeformat``, ``floatformat``,
  ``euros`` (``contracts``' amount in cents), ``markdown``,
  ``querystring(request, **changes)`` (``{% querystring %}``);
- ``crisis_entry_shown(request)`` (``policy.sees_crisis_entry``);
- ``django_include(name, **context)``: one of the Django includes that many Django pages share
  (the error summary, the family table), rendered by Django so that its markup has one source;
- for the form field and radio group macros of ``jinja2/includes/field.html`` (the same HTML as
  the Django includes ``includes/field.html`` and ``coaching/_radios.html``): the filter
  ``django_escape`` (a value escaped as Django escapes it, ``&quot;`` and ``&#x27;``, after
  localizing it as Django prints a variable) and ``select_options(bound_field)`` (the options of a
  select as Django's widget lists them).

Every printed value goes through ``localize(template_localtime(value))`` (``finalize``), as Django
prints a variable: dates in the Dutch format, numbers with a decimal comma. Autoescape is on.
"""

import sys
from collections.abc import Iterator, Mapping
from datetime import date as date_type
from typing import Any

import jinja2
from django.conf import settings
from django.template import TemplateSyntaxError, defaultfilters
from django.template.backends.jinja2 import Jinja2, Template, get_exception_info
from django.template.backends.utils import csrf_input_lazy, csrf_token_lazy
from django.template.loader import get_template as django_get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, translation
from django.utils.dates import MONTHS
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from jinja2 import Environment
from markupsafe import Markup

from coachcare.access import policy
from coachcare.coaching.templatetags.coaching_text import markdown
from coachcare.contracts.templatetags.money import euros
from coachcare.core.templatetags.choice_labels import label
from coachcare.privacy.templatetags.privacy import destruction_notice


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """``{% url name arg %}`` / ``{% url name key=value %}``."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def date(value: Any, arg: str | None = None) -> str:
    """Django's ``date`` filter, in local time as the Django template engine converts it first.

    The pages' one long format "j F Y" (e.g. "6 december 2026") is written out here with the same
    parts Django's ``DateFormat`` uses (day without zero, the translated month name, ``%04d`` year),
    without building a formatter for every date (a sixth of a client file's template calls)."""
    if value is None or value == "":
        return ""
    value = template_localtime(value)
    if arg == "j F Y" and isinstance(value, date_type):
        return f"{value.day} {MONTHS[value.month]} {value.year:04d}"
    return str(defaultfilters.date(value, arg))


def time(value: Any, arg: str | None = None) -> str:
    """Django's ``time`` filter, in local time."""
    if value is None or value == "":
        return ""
    return str(defaultfilters.time(template_localtime(value), arg))


def _finalize(value: Any) -> Any:
    """A printed value as Django prints a variable: localized numbers and dates, local time."""
    if isinstance(value, str):
        return value
    if isinstance(value, date_type):
        value = template_localtime(value)
    return formats.localize(value)


#: ``django.utils.html.escape``'s replacements (``html.escape``), in one ``str.translate``.
_DJANGO_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;"}


def django_escape(value: Any) -> Markup:
    """A printed value as the Django template language prints it (``render_value_in_context``):
    localized, then ``conditional_escape``'d (safe HTML as it is; ``&quot;`` and ``&#x27;``, where
    Jinja's own escaping writes ``&#34;`` and ``&#39;``). The form field macro prints with it so
    that its HTML is byte for byte the Django include's."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())  # noqa: S704 - already safe HTML (Django's SafeString, Markup)
    if not isinstance(value, str):
        value = str(_finalize(value))
    return Markup(value.translate(_DJANGO_ESCAPES))  # noqa: S704 - escaped on this line


def select_options(bound: Any) -> Iterator[tuple[str, Any, bool]]:
    """(value, label, selected) of every option of a select field, as ``bound.subwidgets`` gives them
    (``ChoiceWidget.optgroups``: groups flattened, only the first matching option selected; the value
    as ``|stringformat:'s'`` prints it) without building an option widget and its attributes each."""
    widget = bound.field.widget
    value = widget.format_value(bound.value())
    multiple = widget.allow_multiple_selected
    has_selected = False
    for option_value, option_label in widget.choices:
        if option_value is None:
            option_value = ""
        choices = option_label if isinstance(option_label, (list, tuple)) else [(option_value, option_label)]
        for subvalue, sublabel in choices:
            selected = (not has_selected or multiple) and str(subvalue) in value
            has_selected |= selected
            yield f"{subvalue}", sublabel, selected


def querystring(request: Any, **changes: Any) -> str:
    """``{% querystring page=2 %}``: the request's query with ``changes`` applied, starting with "?"."""
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode() if query else "?"


def crisis_entry_shown(request: Any) -> bool:
    """Whether the page carries the "Need help? Right now" entry (``safeguarding`` tag's answer)."""
    return policy.sees_crisis_entry(getattr(request, "user", None))


def languages() -> list[dict[str, Any]]:
    """``{% get_language_info_list for LANGUAGES %}``."""
    return [translation.get_language_info(code) for code, _name in settings.LANGUAGES]


@jinja2.pass_context
def django_include(context: jinja2.runtime.Context, template_name: str, **values: Any) -> Markup:
    """``{% include name with key=value %}`` of a Django template shared with the Django pages (one
    source of its markup): it sees the page's context and ``values``; returned as safe HTML."""
    template = django_get_template(template_name, using="django")
    return Markup(template.render({**context.get_all(), **values}))  # noqa: S704 - rendered and escaped by Django


def meldcode_allowed(request: Any, client: Any) -> bool:
    """Whether the logged-in user may open the meldcode of ``client`` (the ``safeguarding`` tag's answer)."""
    user = getattr(request, "user", None)
    return user is not None and policy.can_use_meldcode(user, client)


def environment(**options: Any) -> Environment:
    """The environment Django's Jinja2 backend builds (``TEMPLATES[1]["OPTIONS"]["environment"]``)."""
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # As lenient as a Django template: ``{{ a.b.c }}`` with ``a`` missing prints nothing.
    options["undefined"] = jinja2.ChainableUndefined
    env = Environment(finalize=_finalize, **options)  # noqa: S701 - the backend passes autoescape=True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(
        {
            "url": url,
            "static": static,
            "querystring": querystring,
            "crisis_entry_shown": crisis_entry_shown,
            "languages": languages,
            "django_include": django_include,
            "select_options": select_options,
            "destruction_notice": destruction_notice,
            "meldcode_allowed": meldcode_allowed,
        }
    )
    env.filters.update(
        {
            "date": date,
            "time": time,
            "label": label,
            "linebreaksbr": defaultfilters.linebreaksbr,
            "filesizeformat": defaultfilters.filesizeformat,
            "capfirst": defaultfilters.capfirst,
            "floatformat": defaultfilters.floatformat,
            "euros": euros,
            "markdown": markdown,
            "django_escape": django_escape,
        }
    )
    return env


class SignallingTemplate(Template):
    """Django's Jinja2 template that, while a test client listens, sends ``template_rendered``.

    Django's test client records ``response.templates`` and ``response.context`` from that signal,
    which only the Django engine sends (its test instrumentation). The test hook: with a listener
    (the test client, ``assertTemplateUsed``), the page's template and its full context (after the
    context processors) are sent the same way; without one (production) nothing is sent.
    """

    def render(self, context: Mapping[str, Any] | None = None, request: Any = None) -> str:
        # Django's Jinja2 ``Template.render``, with the signal sent once the context is complete.
        full: dict[str, Any] = dict(context or {})
        if request is not None:
            full["request"] = request
            full["csrf_input"] = csrf_input_lazy(request)
            full["csrf_token"] = csrf_token_lazy(request)
            for processor in self.backend.template_context_processors:
                full.update(processor(request))
        signals = sys.modules.get("django.test.signals")  # loaded only where a test client can listen
        if signals is not None and signals.template_rendered.receivers:
            signals.template_rendered.send(sender=self, template=self.template, context=full)
        try:
            return self.template.render(full)
        except jinja2.TemplateSyntaxError as exc:
            new = TemplateSyntaxError(exc.args)
            new.template_debug = get_exception_info(exc)  # type: ignore[attr-defined, arg-type]
            raise new from exc


class Backend(Jinja2):
    """Django's Jinja2 backend with the test hook of ``SignallingTemplate``."""

    def from_string(self, template_code: str) -> Template:
        return SignallingTemplate(self.env.from_string(template_code), self)

    def get_template(self, template_name: str) -> Template:
        template = super().get_template(template_name)
        template.__class__ = SignallingTemplate
        return template
