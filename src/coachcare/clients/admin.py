from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from coachcare.access import policy
from coachcare.audit.services import AccessPoint, Channel, Event, access_log_record
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
class ClientAdmin(admin.ModelAdmin):
    """Read-only, administrative view. Registering and changing files goes through the services."""

    list_display = ("family_name", "given_name", "birth_date", "municipality", "team", "coach")
    list_select_related = ("municipality", "team", "coach", "team__provider")
    list_filter = ("municipality", "team")
    search_fields = ("family_name", "given_name")
    fields = ADMIN_FIELDS
    readonly_fields = ADMIN_FIELDS
    list_per_page = 50
    show_full_result_count = False

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

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        result_list = getattr(response, "context_data", {}).get("cl")
        if result_list is not None:
            access_log_record(
                actor=request.user,  # type: ignore[arg-type]
                event=Event.READ,
                action="admin.client_list",
                client_ids=[client.public_id for client in result_list.result_list],
                access_point=AccessPoint.from_request(request, channel=Channel.ADMIN),
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None:
            access_log_record(
                actor=request.user,  # type: ignore[arg-type]
                event=Event.READ,
                action="admin.client",
                client_ids=[obj.public_id],
                access_point=AccessPoint.from_request(request, channel=Channel.ADMIN),
            )
        return response
