from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from coachcare.access import policy
from coachcare.audit.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin[AccessLogEntry]):
    """The NEN 7513 log, read-only for everyone (the database refuses changes too)."""

    list_display = ("timestamp", "event", "what", "username", "who_role", "channel", "client_public_id")
    list_filter = ("event", "channel", "role")
    search_fields = ("username", "action")
    date_hierarchy = "timestamp"
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description=_("what"), ordering="action")
    def what(self, entry: AccessLogEntry) -> str:
        return entry.action_label

    @admin.display(description=_("role"), ordering="role")
    def who_role(self, entry: AccessLogEntry) -> str:
        return entry.role_label

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        """Every field, with the action in words (``what``) instead of its code."""
        return [field.name if field.name != "action" else "what" for field in AccessLogEntry._meta.fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can_use_admin_site(request.user)
