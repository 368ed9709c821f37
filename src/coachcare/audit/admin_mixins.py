"""Admin pages that show client data write the NEN 7513 access log like every other page."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse

from coachcare.audit.services import AccessPoint, Channel, Event, access_log_record


class AccessLoggedAdminMixin:
    """Logs a READ for every client shown on the change list and on a change page.

    Set ``access_log_action`` (e.g. ``"admin.client"``; the list logs ``<action>_list``) and
    override ``client_public_id_of`` when the model is not the client itself.
    """

    access_log_action: str = "admin.object"

    def client_public_id_of(self, obj: Any) -> UUID:
        result: UUID = obj.client.public_id
        return result

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response: HttpResponse = super().changelist_view(request, extra_context)  # type: ignore[misc]
        change_list = getattr(response, "context_data", {}).get("cl")
        if change_list is not None:
            access_log_record(
                actor=request.user,  # type: ignore[arg-type]
                event=Event.READ,
                action=f"{self.access_log_action}_list",
                client_ids=[self.client_public_id_of(obj) for obj in change_list.result_list],
                access_point=AccessPoint.from_request(request, channel=Channel.ADMIN),
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response: HttpResponse = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if obj is not None:
            access_log_record(
                actor=request.user,  # type: ignore[arg-type]
                event=Event.READ,
                action=self.access_log_action,
                client_ids=[self.client_public_id_of(obj)],
                access_point=AccessPoint.from_request(request, channel=Channel.ADMIN),
            )
        return response
