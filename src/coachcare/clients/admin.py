from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from coachcare.access import policy
from coachcare.audit.admin_mixins import AccessLoggedAdminMixin
from coachcare.clients.models import Client

#: The administrator sees administrative fields only (coachcare.access.policy): never BSN or notes.
ADMIN_FIELDS = (
    "public_id",
    "given_name",
    "family_name",
    "birth_date",
    "municipality",
    "provider",
    "team",
    "coach",
    "user",
    "referred_on",
    "created_at",
)


@admin.register(Client)
class ClientAdmin(AccessLoggedAdminMixin, admin.ModelAdmin[Client]):
    """Read-only, administrative view. Registering and changing files goes through the services."""

    list_display = ("family_name", "given_name", "birth_date", "municipality", "team", "coach")
    list_select_related = ("municipality", "team", "coach", "team__provider")
    list_filter = ("municipality", "team")
    search_fields = ("family_name", "given_name")
    fields = ADMIN_FIELDS
    readonly_fields = ADMIN_FIELDS
    list_per_page = 50
    show_full_result_count = False

    access_log_action = "admin.client"

    def client_public_id_of(self, obj: Any) -> Any:
        return obj.public_id

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        return policy.clients_visible_to(request.user)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff
