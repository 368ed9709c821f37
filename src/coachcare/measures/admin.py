"""Read-only admin for questionnaire definitions: they change only through questionnaire_load.

Responses are clinical content and have no admin page (they are read through the selectors,
which check the access policy and write the access log).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coachcare.measures.models import QuestionnaireDefinition


@admin.register(QuestionnaireDefinition)
class QuestionnaireDefinitionAdmin(admin.ModelAdmin[QuestionnaireDefinition]):
    list_display = ("code", "version", "name", "respondent", "is_active", "loaded_at")
    list_filter = ("respondent", "is_active")
    search_fields = ("code", "name")
    fields = ("code", "version", "name", "respondent", "is_active", "loaded_at", "definition")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
