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

import datetime
import functools
import html
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import date as date_type
from typing import Any

import jinja2
from django.conf import settings
from django.core.signals import setting_changed
from django.template import TemplateSyntaxError, defaultfilters
from django.template.backends.jinja2 import Jinja2, Template, get_exception_info
from django.template.backends.utils import csrf_input, csrf_token_lazy
from django.template.loader import get_template as django_get_template
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, translation
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from jinja2 import Environment
from markupsafe import Markup

from coachcare.access import policy
from coachcare.coaching.templatetags.coaching_text import markdown
from coachcare.contracts.templatetags.money import euros
from coachcare.core.templatetags.choice_labels import label
from coachcare.privacy.templatetags.privacy import destruction_notice


class CsrfInputOnce:
    """``csrf_input`` of one render, masked once: Django's lazy ``csrf_input`` masks the token again
    each time it is printed (about 500 Python calls each; the layout prints it twice, a page with
    forms more often). One masked token per response is what the BREACH defence needs: the mask
    still differs from response to response. Printed as safe HTML (``__html__``)."""

    __slots__ = ("_request", "_value")

    def __init__(self, request: Any) -> None:
        self._request = request
        self._value: str | None = None

    def __html__(self) -> str:
        if self._value is None:
            self._value = csrf_input(self._request)
        return self._value

    __str__ = __html__

    def __bool__(self) -> bool:
        return True


@functools.lru_cache(maxsize=1024)
def static_url(path: str) -> str:
    """``{% static path %}``, remembered per process: with the manifest storage a lookup in the
    manifest that never changes while the process runs (about 100 Python calls per file, six style
    sheets and scripts on every page). Forgotten when a test changes the static settings."""
    return static(path)


def _remembered_forget(*, setting: str, **kwargs: Any) -> None:
    """Cache upkeep (no rule): a test that changes these settings sees fresh URLs."""
    if setting in {"STATIC_URL", "STORAGES", "STATIC_ROOT", "DEBUG"}:
        static_url.cache_clear()
    if setting == "ROOT_URLCONF":
        _url_plain.cache_clear()


setting_changed.connect(_remembered_forget, dispatch_uid="coachcare-jinja-remembered")


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """``{% url name arg %}`` / ``{% url name key=value %}``. Without arguments (the navigation, the
    forms of the header: a dozen on every page) remembered per URL configuration and script prefix."""
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    return _url_plain(name, get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=1024)
def _url_plain(name: str, prefix: str, urlconf: Any) -> str:
    return reverse(name, urlconf=urlconf)


#: The format characters ``_fast_format`` writes itself, exactly as ``django.utils.dateformat`` does.
_FAST_DATE: dict[str, Callable[[date_type], str]] = {
    "j": lambda value: str(value.day),
    "F": lambda value: str(MONTHS[value.month]),
    "l": lambda value: str(WEEKDAYS[value.weekday()]),
    "Y": lambda value: "%04d" % value.year,  # noqa: UP031 - as Django writes it
}
_FAST_TIME: dict[str, Callable[[Any], str]] = {
    "H": lambda value: "%02d" % value.hour,  # noqa: UP031
    "i": lambda value: "%02d" % value.minute,  # noqa: UP031
    "c": lambda value: str(value.isoformat()),
}
_FAST_LITERALS = frozenset(" ,:-")


@functools.cache
def _fast_format(arg: str) -> tuple[tuple[bool, str], ...] | None:
    """``arg`` as (is a format character, text) pieces when every character is one ``_FAST_DATE`` or
    ``_FAST_TIME`` knows or a plain separator; ``None`` otherwise (Django's filter formats it)."""
    pieces = []
    for char in arg:
        if char in _FAST_DATE or char in _FAST_TIME:
            pieces.append((True, char))
        elif char in _FAST_LITERALS:
            pieces.append((False, char))
        else:
            return None
    return tuple(pieces)


def date(value: Any, arg: str | None = None) -> str:
    """Django's ``date`` filter, in local time as the Django template engine converts it first.

    The formats of the hot pages ("j F Y, H:i", "c", ...) are written here directly, with Django's
    own month and weekday names (translated into the request's language), the same text as
    Django's filter (``tests/home/test_jinja.py``) at a tenth of the Python calls: a thread page
    prints two dates per message.
    """
    if value is None or value == "":
        return ""
    pieces = _fast_format(arg) if arg else None
    if pieces is not None:
        is_moment = isinstance(value, datetime.datetime)
        if is_moment or (type(value) is date_type and not any(char in _FAST_TIME for _f, char in pieces)):
            local = template_localtime(value) if is_moment else value
            return "".join(
                (_FAST_DATE.get(text) or _FAST_TIME[text])(local) if is_char else text for is_char, text in pieces
            )
    return str(defaultfilters.date(template_localtime(value), arg))


def time(value: Any, arg: str | None = None) -> str:
    """Django's ``time`` filter, in local time."""
    if value is None or value == "":
        return ""
    return str(defaultfilters.time(template_localtime(value), arg))


def linebreaksbr(value: Any) -> Markup:
    """Django's ``linebreaksbr`` filter with autoescape on: the text escaped as Django escapes it
    (``html.escape``), every line break a ``<br>``; without Django's lazy-text wrappers (a thread
    page prints one per message)."""
    text = html.escape(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return Markup(text.replace("\n", "<br>"))  # noqa: S704 - escaped on the line above


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
            "static": static_url,
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
            "linebreaksbr": linebreaksbr,
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
            full["csrf_input"] = CsrfInputOnce(request)
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
