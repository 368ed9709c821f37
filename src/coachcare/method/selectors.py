"""Reads of the method catalogue. The catalogue holds no personal data: no access log is needed."""

from django.db.models import QuerySet

from coachcare.method.models import MethodVersion, Module


def method_version_current() -> MethodVersion | None:
    """The version new trajectories start on (None before the first import)."""
    return MethodVersion.objects.filter(is_current=True).first()


def method_version_list() -> QuerySet[MethodVersion]:
    return MethodVersion.objects.all()


def module_list(*, version: str | None = None, with_manual: bool = True) -> QuerySet[Module]:
    """Modules of one version (the current version unless given); ``with_manual=False`` leaves the
    coach manual (the largest field, never shown outside the coach's screens) unloaded."""
    modules = Module.objects.select_related("method_version")
    if not with_manual:
        modules = modules.defer("coach_manual")
    if version is None:
        return modules.filter(method_version__is_current=True)
    return modules.filter(method_version__version=version)


def module_get(*, version: str, code: str, with_manual: bool = True) -> Module:
    """One module of one version; raises ``Module.DoesNotExist`` when there is none."""
    modules = Module.objects.select_related("method_version")
    if not with_manual:
        modules = modules.defer("coach_manual")
    return modules.get(method_version__version=version, code=code)
