"""``makemessages`` that also reads the Jinja templates (``src/coachcare/jinja2/``, ADR 0008).

Django's ``makemessages`` turns every template into Python for ``xgettext`` with the Django
template lexer, which does not understand Jinja's ``{{ _("Hi %(name)s", name=…) }}`` or
``ngettext(…)``. For a file under a ``jinja2/`` folder this command lets Jinja itself find the
gettext calls (``Environment.extract_translations``, the extractor Babel uses) and writes them as
Python calls on the same line numbers, so the ``#:`` references point into the template. Every
other file goes through Django's own route unchanged.
"""

from pathlib import Path

from django.core.management.commands import makemessages
from jinja2 import Environment

GETTEXT_FUNCTIONS = ("_", "gettext", "ngettext", "pgettext", "npgettext")


def jinja_to_python(source: str) -> str:
    """The gettext calls of a Jinja template as Python source, each on its template line."""
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701 - parsed for its strings, never rendered
    lines: list[list[str]] = [[] for _ in range(source.count("\n") + 1)]
    found = env.extract_translations(source, gettext_functions=GETTEXT_FUNCTIONS)  # type: ignore[attr-defined]
    for lineno, function, message in found:
        strings = message if isinstance(message, tuple) else (message,)
        if function in ("_", "gettext"):
            call = f"gettext({strings[0]!r})"
        elif function == "ngettext":
            call = f"ngettext({strings[0]!r}, {strings[1]!r}, n)"
        elif function == "pgettext":
            call = f"pgettext({strings[0]!r}, {strings[1]!r})"
        else:
            call = f"npgettext({strings[0]!r}, {strings[1]!r}, {strings[2]!r}, n)"
        lines[lineno - 1].append(call)
    return "\n".join("; ".join(calls) for calls in lines) + "\n"


class BuildFile(makemessages.BuildFile):
    """A file to extract from: Jinja templates through ``jinja_to_python``, the rest as Django does."""

    def preprocess(self) -> None:
        if not self.is_templatized or "jinja2" not in Path(self.path).parts:
            super().preprocess()
            return
        source = Path(self.path).read_text(encoding="utf-8")
        Path(self.work_path).write_text(jinja_to_python(source), encoding="utf-8")


class Command(makemessages.Command):
    build_file_class = BuildFile
