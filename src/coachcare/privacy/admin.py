"""Admin pages of privacy: retention holds (keep a file longer) and the runs of the retention job.

Holds are placed and changed through ``privacy.services`` (access check, access log); they are never
deleted (an ``until`` in the past ends one). Runs are read-only: counts only, no content.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from coachcare.accounts.models import Role
from coachcare.audit.admin_mixins import AccessLoggedAdminMixin
from coachcare.audit.services import AccessPoint, Channel
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.privacy.models import RetentionHold, RetentionRun
from coachcare.privacy.services import retention_hold_change, retention_hold_place


def _administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "role", "") == Role.BEHEERDER)


class RetentionHoldForm(forms.ModelForm[RetentionHold]):
    """Shape checks only; the rules are in ``retention_hold_place`` / ``retention_hold_change``."""

    class Meta:
        model = RetentionHold
        fields = ("client_public_id", "reason", "until")

    def clean_client_public_id(self) -> Any:
        value = self.cleaned_data["client_public_id"]
        if self.instance.pk is None and not Client.objects.filter(public_id=value).exists():
            raise forms.ValidationError(_("There is no file with this id."))
        return value

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason to keep the file longer."))
        return reason

    def clean_until(self) -> Any:
        until = self.cleaned_data["until"]
        if self.instance.pk is None and until < today():
            raise forms.ValidationError(_("Give a day in the future."))
        return until


@admin.register(RetentionHold)
class RetentionHoldAdmin(AccessLoggedAdminMixin, admin.ModelAdmin[RetentionHold]):
    form = RetentionHoldForm
    list_display = ("client_public_id", "until", "placed_by_username", "placed_at", "changed_at")
    search_fields = ("client_public_id",)
    date_hierarchy = "until"
    access_log_action = "admin.retention_hold"

    def client_public_id_of(self, obj: Any) -> Any:
        return obj.client_public_id

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("client_public_id",) if obj is not None else ()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        access_point = AccessPoint.from_request(request, channel=Channel.ADMIN)
        if change:
            retention_hold_change(
                actor=request.user,  # type: ignore[arg-type]
                hold=obj,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                access_point=access_point,
            )
            return
        client = Client.objects.get(public_id=form.cleaned_data["client_public_id"])
        hold = retention_hold_place(
            actor=request.user,  # type: ignore[arg-type]
            client=client,
            reason=form.cleaned_data["reason"],
            until=form.cleaned_data["until"],
            access_point=access_point,
        )
        obj.pk = hold.pk
        obj.refresh_from_db()


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin[RetentionRun]):
    list_display = ("run_on", "run_after", "started_at", "finished_at", "task_id")
    readonly_fields = ("run_on", "run_after", "task_id", "scheduled_at", "started_at", "finished_at", "result")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
