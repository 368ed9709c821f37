"""Read-only admin for the method catalogue: versions change only through method_import."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coachcare.method.models import Assignment, Lesson, MethodVersion, Module


class ReadOnlyMixin:
    """Imported versions are immutable: no adding, changing or deleting in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ModuleInline(ReadOnlyMixin, admin.TabularInline[Module, MethodVersion]):
    model = Module
    fields = ("sequence", "code", "name", "kind", "expected_sessions", "expected_weeks", "ijw_product_code", "is_final")
    readonly_fields = fields
    show_change_link = True
    extra = 0


class LessonInline(ReadOnlyMixin, admin.StackedInline[Lesson, Module]):
    model = Lesson
    fields = ("order", "title", "body")
    readonly_fields = fields
    extra = 0


class AssignmentInline(ReadOnlyMixin, admin.StackedInline[Assignment, Module]):
    model = Assignment
    fields = ("order", "title", "instructions", "answer_kind", "choices")
    readonly_fields = fields
    extra = 0


@admin.register(MethodVersion)
class MethodVersionAdmin(ReadOnlyMixin, admin.ModelAdmin[MethodVersion]):
    list_display = ("version", "name", "is_current", "imported_at")
    fields = ("name", "version", "description", "is_current", "imported_at")
    readonly_fields = fields
    inlines = [ModuleInline]


@admin.register(Module)
class ModuleAdmin(ReadOnlyMixin, admin.ModelAdmin[Module]):
    list_display = ("code", "name", "method_version", "kind", "sequence", "ijw_product_category", "ijw_product_code")
    list_filter = ("method_version", "kind")
    list_select_related = ("method_version",)
    search_fields = ("code", "name")
    fields = (
        "method_version",
        "code",
        "name",
        "purpose",
        "kind",
        "expected_sessions",
        "expected_weeks",
        "sequence",
        "is_final",
        "ijw_product_category",
        "ijw_product_code",
        "unit",
        "coach_manual",
    )
    readonly_fields = fields
    inlines = [LessonInline, AssignmentInline]
