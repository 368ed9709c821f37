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

The fixed cost of every page (issue 19.1, docs/performance.md) is kept down without changing what a
template prints: ``CoachcareEnvironment`` compiles ``{{ value }}`` so that text and safe HTML
(``Markup``, the translations) are escaped or passed on without a Python call, everything else
goes the usual way (``finalize``, then ``escape``); its ``Context.call`` passes plain functions
their arguments without Jinja's generic checks; and ``_()``/``gettext()``/``ngettext()`` read the
request's translation catalogue once per render (``SignallingTemplate.render``) instead of per
string, a text without placeholders remembered per catalogue as the escaped ``Markup`` it becomes.
"""

import datetime
import functools
import html
import sys
import types
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
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import trans_real
from jinja2 import Environment
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr, Impossible, Node, Output, TemplateData
from jinja2.runtime import Context, Macro
from jinja2.utils import internalcode
from markupsafe import Markup, escape

try:
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - MarkupSafe without its C extension
    from markupsafe._native import _escape_inner

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
    """Cache upkeep (no rule): a test that changes these settings sees fresh URLs and translations."""
    if setting in {"STATIC_URL", "STORAGES", "STATIC_ROOT", "DEBUG"}:
        static_url.cache_clear()
    if setting == "ROOT_URLCONF":
        _url_plain.cache_clear()
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _TRANSLATED.clear()


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
            # A list comprehension (inlined by Python 3.12+), not a generator: no call per piece.
            return "".join(
                [(_FAST_DATE.get(text) or _FAST_TIME[text])(local) if is_char else text for is_char, text in pieces]
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


def print_value(value: Any) -> str:
    """``escape(finalize(value))``: what ``{{ value }}`` prints for a value that is neither text nor
    ``Markup`` (those the compiled template escapes or passes on itself, ``_CodeGenerator``). An
    ``int`` without thousands separators (``USE_THOUSAND_SEPARATOR`` off) is its digits, as Django's
    ``number_format`` writes it; ``None`` prints as "None", as ``escape`` writes it."""
    kind = type(value)
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    if value is None:
        return "None"
    return escape(_finalize(value))


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


def _pass_arg(decorator: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Any:
    """The marker a Jinja decorator (``pass_context`` ...) puts on a function."""
    return getattr(decorator(lambda: None), "jinja_pass_arg")  # noqa: B009 - set by the decorator


_PASS_EVAL_CONTEXT = _pass_arg(jinja2.pass_eval_context)
_PASS_ENVIRONMENT = _pass_arg(jinja2.pass_environment)

#: Callables whose ``__call__`` is the type's own C slot (or, for ``Macro``, a method without a
#: marker): Jinja's ``Context.call`` finds a ``pass_context``-style marker only on the object itself.
_DIRECT_CALLABLES = frozenset(
    {
        types.FunctionType,
        types.BuiltinFunctionType,
        types.MethodType,
        functools.partial,
        type(static_url),  # functools.lru_cache
        Macro,
    }
)


class _Context(Context):
    """Jinja's template context with a cheaper ``call`` (``{{ f(x) }}``, ``{{ _("...") }}``): for a
    function, a method, a macro, it reads the function's marker once and calls it, instead of
    Jinja's generic checks (three ``hasattr`` and two lookups of the marker, about ten Python calls
    per call); functions that want the context itself and other callables go Jinja's way."""

    @internalcode
    def call(self, obj: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if type(obj) in _DIRECT_CALLABLES:
            pass_arg = getattr(obj, "jinja_pass_arg", None)
            if pass_arg is None or pass_arg is _PASS_EVAL_CONTEXT or pass_arg is _PASS_ENVIRONMENT:
                if kwargs:  # ``in`` and ``del``: no Python call, unlike ``pop``
                    if "_loop_vars" in kwargs:
                        del kwargs["_loop_vars"]  # noqa: RUF051
                    if "_block_vars" in kwargs:
                        del kwargs["_block_vars"]  # noqa: RUF051
                if pass_arg is _PASS_EVAL_CONTEXT:
                    args = (self.eval_ctx, *args)
                elif pass_arg is _PASS_ENVIRONMENT:
                    args = (self.environment, *args)
                try:
                    return obj(*args, **kwargs)
                except StopIteration:
                    return self.environment.undefined(
                        "value was undefined because a callable raised a StopIteration exception"
                    )
        return super().call(obj, *args, **kwargs)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, compiling the same output with fewer Python calls (autoescape on):

    - ``{{ value }}`` passes ``Markup`` on as it is and escapes ``str`` with MarkupSafe's own
      escaping, both without a Python call (``escape(finalize(value))`` costs about eight), and
      hands any other value to ``print_value`` (``escape(finalize(value))``). The same text:
      ``escape`` returns ``Markup`` of the same characters; ``finalize`` returns text unchanged.
    - The pieces of one output (text and values between two tags) are one ``yield`` of a
      ``%``-formatted string instead of one ``yield`` each: every ``yield`` resumes the generators
      of the template, its layout and the block (a Python call each).
    - A block, the layout a page extends and an included template are rendered into one string
      (``concat``) instead of passing each of their pieces up through ``yield from``.
    """

    def _fast_output(self, frame: Frame) -> bool:
        return bool(frame.eval_ctx.autoescape) and not frame.eval_ctx.volatile

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> None:
        if not self._fast_output(frame):
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("(_o if type(_o := ")

    def _output_child_post(self, node: Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> None:
        if not self._fast_output(frame):
            super()._output_child_post(node, frame, finalize)
            return
        self.write(") is Markup else environment.escape_text(_o) if type(_o) is str else environment.print_value(_o))")

    def visit_Output(self, node: Output, frame: Frame) -> None:  # noqa: N802 - Jinja's visitor name
        if not self._fast_output(frame):
            super().visit_Output(node, frame)
            return
        # As Jinja's ``visit_Output``: constants folded at compile time, the rest at run time.
        if frame.require_output_check:
            if self.has_known_extends:
                return
            self.writeline("if parent_template is None:")
            self.indent()
        finalize = self._make_finalize()
        body: list[list[str] | Expr] = []
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, TemplateData)):
                    raise Impossible
                const = self._output_child_to_const(child, frame, finalize)
            except Exception:  # noqa: BLE001 - as Jinja: evaluated at run time instead
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        template = "".join("".join(item).replace("%", "%%") if isinstance(item, list) else "%s" for item in body)
        values = [item for item in body if not isinstance(item, list)]
        if frame.buffer is None:
            self.writeline("yield (")
        else:
            self.writeline(f"{frame.buffer}.append(")
        if not values:
            self.write(repr("".join("".join(item) for item in body if isinstance(item, list))))
        elif template == "%s":  # one value, no text
            self._output_child_pre(values[0], frame, finalize)
            self.visit(values[0], frame)
            self._output_child_post(values[0], frame, finalize)
        else:
            self.write(f"{template!r} % (")
            for value in values:
                self.newline(value)
                self._output_child_pre(value, frame, finalize)
                self.visit(value, frame)
                self._output_child_post(value, frame, finalize)
                self.write(",")
            self.write(")")
        self.write(")")
        if frame.require_output_check:
            self.outdent()

    def writeline(self, x: str, node: Node | None = None, extra: int = 0) -> None:
        if not self.environment.is_async:
            if x.startswith(("yield from context.blocks[", "yield from parent_template.root_render_func(")):
                x = f"yield concat({x.removeprefix('yield from ')})"
            elif x == "for event in gen:":
                x = "for event in (concat(gen),):"
        super().writeline(x, node, extra)


class CoachcareEnvironment(Environment):
    """The Jinja environment of ``environment()``: Jinja's, with ``_CodeGenerator`` and ``_Context``."""

    code_generator_class = _CodeGenerator
    context_class = _Context
    #: Used by the compiled templates (``_CodeGenerator``).
    escape_text = staticmethod(_escape_inner)
    print_value = staticmethod(print_value)


#: Per translation catalogue (``trans_real.catalog()``, one object per language and process), the
#: result of ``_(text)`` without placeholders, autoescaped: ``Markup`` that never changes while the
#: catalogue lives. Emptied when a test changes the languages (``_remembered_forget``).
_TRANSLATED: dict[Any, dict[str, Markup]] = {}


def _translated(catalog: Any, string: str, autoescape: bool, variables: dict[str, Any]) -> Any:
    """``jinja2.ext``'s new-style ``gettext`` of ``string`` with Django's ``gettext`` in ``catalog``
    (the active one): line ends as Django normalizes them, ``Markup`` when autoescaping, and always
    ``%``-formatted with ``variables`` (escaped)."""
    message = string.replace("\r\n", "\n").replace("\r", "\n")
    text: Any = catalog.gettext(message) if message else type(string)("")
    if isinstance(string, SafeData):
        text = mark_safe(text)  # noqa: S308 - as Django's gettext does for a safe msgid
    if autoescape:
        text = Markup(text)  # noqa: S704 - a translation, as jinja2.ext marks it; the values are escaped
    return text % variables


def _ntranslated(catalog: Any, autoescape: bool, singular: str, plural: str, number: Any, variables: Any) -> Any:
    """``jinja2.ext``'s new-style ``ngettext`` with Django's ``ngettext`` in ``catalog``."""
    variables.setdefault("num", number)
    text: Any = catalog.ngettext(singular, plural, number)
    if autoescape:
        text = Markup(text)  # noqa: S704 - a translation, as jinja2.ext marks it; the values are escaped
    return text % variables


def _translations_of(catalog: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``gettext`` and ``ngettext`` in ``catalog``, for the templates of one render."""
    remembered = _TRANSLATED.get(catalog)
    if remembered is None:
        remembered = _TRANSLATED.setdefault(catalog, {})

    @jinja2.pass_eval_context
    def gettext(eval_ctx: Any, string: str, /, **variables: Any) -> Any:
        if not variables and eval_ctx.autoescape and type(string) is str:
            text = remembered.get(string)
            if text is None:
                text = remembered[string] = _translated(catalog, string, True, variables)
            return text
        return _translated(catalog, string, eval_ctx.autoescape, variables)

    @jinja2.pass_eval_context
    def ngettext(eval_ctx: Any, singular: str, plural: str, number: Any, /, **variables: Any) -> Any:
        return _ntranslated(catalog, eval_ctx.autoescape, singular, plural, number, variables)

    return gettext, ngettext


@jinja2.pass_eval_context
def _gettext(eval_ctx: Any, string: str, /, **variables: Any) -> Any:
    """``_()``/``gettext()`` of a template rendered without ``SignallingTemplate.render`` (the
    ``{% jinja %}`` tag) or of a macro imported without context: the active catalogue per call."""
    return _translations_of(trans_real.catalog())[0](eval_ctx, string, **variables)


@jinja2.pass_eval_context
def _ngettext(eval_ctx: Any, singular: str, plural: str, number: Any, /, **variables: Any) -> Any:
    return _ntranslated(trans_real.catalog(), eval_ctx.autoescape, singular, plural, number, variables)


def environment(**options: Any) -> Environment:
    """The environment Django's Jinja2 backend builds (``TEMPLATES[1]["OPTIONS"]["environment"]``)."""
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # As lenient as a Django template: ``{{ a.b.c }}`` with ``a`` missing prints nothing.
    options["undefined"] = jinja2.ChainableUndefined
    env = CoachcareEnvironment(finalize=_finalize, **options)  # the backend passes autoescape=True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(
        {
            # The same as jinja2.ext's new-style callables (kept for pgettext/npgettext), cheaper.
            "_": _gettext,
            "gettext": _gettext,
            "ngettext": _ngettext,
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
        # The request's translation catalogue, read once for the whole render (includes and blocks
        # see the page's context; macros imported without context use the environment's globals).
        gettext, ngettext = _translations_of(trans_real.catalog())
        full.setdefault("_", gettext)
        full.setdefault("gettext", gettext)
        full.setdefault("ngettext", ngettext)
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
