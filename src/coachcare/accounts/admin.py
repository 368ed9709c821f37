"""Accounts in the admin: nobody changes a role, organisation, password or second factor directly.

Role and organisation, the staff and superuser flags, groups and permissions are read-only on every
user page (also one's own, also for a superuser): a role or organisation change, a password set by
someone else and a second-factor reset are requested as a ``UserChangeRequest`` and take effect
only when a second administrator approves (``accounts.services``, rules in ``access.policy``).
"""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.access import policy
from coachcare.access.refusals import admin_attempt
from coachcare.accounts.models import Role, User, UserChangeRequest
from coachcare.accounts.services import (
    user_change_request_approve,
    user_change_request_create,
    user_change_request_reject,
    user_change_request_validate,
    user_create_by_administrator,
    user_role_links_validate,
)
from coachcare.audit.services import AccessPoint, Channel


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _may_manage_accounts(request: HttpRequest) -> bool:
    return isinstance(request.user, User) and policy.can_manage_accounts(request.user)


class UserAddForm(forms.ModelForm[User]):
    """A new account gets no password here: it is set with a second administrator's approval."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "role", "team", "municipality")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role:
            try:
                user_role_links_validate(role=role, team=data.get("team"), municipality=data.get("municipality"))
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class UserAccountForm(forms.ModelForm[User]):
    """What may be edited directly on a user page: name, username and active (never the e-mail
    address: ``policy.ACCOUNT_FIELDS_RECOVERY``)."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "is_active")


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    form = UserAccountForm
    add_form = UserAddForm
    add_form_template = "admin/change_form.html"
    change_form_template = "admin/accounts/user/change_form.html"
    list_display = ("username", "first_name", "last_name", "role", "provider", "team", "municipality", "is_active")
    list_filter = ("role", "is_active", "provider", "municipality")
    list_select_related = ("provider", "team", "municipality")
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role and organisation"), {"fields": policy.ACCOUNT_FIELDS_FOUR_EYES}),
        (_("Permissions"), {"fields": ("is_active", *policy.ACCOUNT_FIELDS_SERVER_ONLY)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        (_("Role and organisation"), {"fields": ("role", "team", "municipality")}),
    )
    readonly_fields = (
        *policy.ACCOUNT_FIELDS_FOUR_EYES,
        *policy.ACCOUNT_FIELDS_SERVER_ONLY,
        *policy.ACCOUNT_FIELDS_RECOVERY,
        "last_login",
        "date_joined",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else self.readonly_fields

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        target = self.get_object(request, object_id)
        may_request = target is not None and policy.can_request_user_change(_actor(request), target)
        extra_context = {**(extra_context or {}), "may_request_change": may_request}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        user = user_create_by_administrator(
            actor=_actor(request),
            access_point=AccessPoint.from_request(request, channel=Channel.ADMIN),
            username=data["username"],
            role=Role(data["role"]),
            first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
            email=data.get("email") or "",
            team=data.get("team"),
            municipality=data.get("municipality"),
        )
        obj.pk = user.pk
        obj.refresh_from_db()
        messages.info(
            request,
            _("The account has no password yet: request one, a second administrator approves it."),
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Groups and permissions follow from the role (``role_permissions_apply``), never from a form.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """No password form in the admin: one's own through "Change password" (with the old
        password), someone else's through a request a second administrator approves."""
        target = self.get_object(request, id)
        if target is None or target.pk == _actor(request).pk:
            return HttpResponseRedirect(reverse("admin:password_change"))
        params: dict[str, str | int] = {"target": target.pk, "kind": UserChangeRequest.Kind.PASSWORD}
        query = urlencode(params)
        return HttpResponseRedirect(f"{reverse('admin:accounts_userchangerequest_add')}?{query}")


_PASSWORD_HELP = _("Only for a password. The account holder gets it from you in person or by phone, never by e-mail.")


class UserChangeRequestForm(forms.ModelForm[UserChangeRequest]):
    """Shape checks here; the rules are in ``accounts.services.user_change_request_validate``."""

    actor: User

    new_password1 = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_PASSWORD_HELP,
    )
    new_password2 = forms.CharField(
        label=_("New password (again)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    #: Error keys of the services mapped to this form's fields.
    _FIELD_OF = {"team": "new_team", "municipality": "new_municipality"}

    class Meta:
        model = UserChangeRequest
        fields = ("target", "kind", "new_role", "new_team", "new_municipality", "reason")
        help_texts = {
            "new_role": _("Only for a role and organisation change, with the team or the municipality."),
            "reason": _("Why, in a few words, for the second administrator (no details about clients)."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1", "") != data.get("new_password2", ""):
            self.add_error("new_password2", _("The two passwords differ."))
        target, kind = data.get("target"), data.get("kind")
        if target is None or not kind or self.errors:
            return data
        try:
            user_change_request_validate(
                actor=self.actor,
                target=target,
                kind=kind,
                role=data.get("new_role") or "",
                team=data.get("new_team"),
                municipality=data.get("new_municipality"),
                password=data.get("new_password1") or "",
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                self.add_error(None, exc)
                return data
            for field, errors in exc.error_dict.items():
                name = self._FIELD_OF.get(field, field)
                self.add_error(name if name in self.fields else None, errors)
        return data


@admin.register(UserChangeRequest)
class UserChangeRequestAdmin(admin.ModelAdmin[UserChangeRequest]):
    """Request a change of someone's account; a second administrator approves or rejects it."""

    form = UserChangeRequestForm
    change_form_template = "admin/accounts/userchangerequest/change_form.html"
    list_display = ("requested_at", "kind", "target", "requested_by", "status", "decided_by", "decided_at")
    list_filter = ("status", "kind")
    list_select_related = ("target", "requested_by", "decided_by")
    search_fields = ("target__username",)
    autocomplete_fields = ("target",)
    actions = ("approve_selected", "reject_selected")
    add_fieldsets = (
        (None, {"fields": ("target", "kind", "reason")}),
        (_("Role and organisation"), {"fields": ("new_role", "new_team", "new_municipality")}),
        (_("Password"), {"fields": ("new_password1", "new_password2")}),
    )
    fieldsets = (
        (None, {"fields": ("target", "kind", "reason", "status")}),
        (_("Role and organisation"), {"fields": ("new_role", "new_team", "new_municipality")}),
        (_("Requested and decided"), {"fields": ("requested_by", "requested_at", "decided_by", "decided_at")}),
    )
    readonly_fields = (
        "target",
        "kind",
        "reason",
        "status",
        "new_role",
        "new_team",
        "new_municipality",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """No "add", "change" or "delete" links next to the account, team and municipality: a
        request picks them, it does not edit them."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        for attribute in ("can_add_related", "can_change_related", "can_delete_related"):
            if hasattr(widget, attribute):
                setattr(widget, attribute, False)
        return formfield

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        cast(type[UserChangeRequestForm], form).actor = _actor(request)
        return form

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_manage_accounts(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage_accounts(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_manage_accounts(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return _may_manage_accounts(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = user_change_request_create(
            actor=_actor(request),
            target=data["target"],
            kind=data["kind"],
            access_point=AccessPoint.from_request(request, channel=Channel.ADMIN),
            role=data.get("new_role") or "",
            team=data.get("new_team"),
            municipality=data.get("new_municipality"),
            password=data.get("new_password1") or "",
            reason=data.get("reason") or "",
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        change_request = self.get_object(request, object_id)
        actor = _actor(request)
        context: dict[str, Any] = {"may_approve": False, "may_reject": False}
        if change_request is not None and change_request.status == UserChangeRequest.Status.PENDING:
            for key, approve in (("may_approve", True), ("may_reject", False)):
                context[key] = policy.can_decide_user_change(
                    actor,
                    approve=approve,
                    target_id=change_request.target_id,
                    requested_by_id=change_request.requested_by_id,
                )
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **context})

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="accounts_userchangerequest_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The approve and reject buttons of a request's page (POST only)."""
        return require_POST(self._decide_view)(request, pk)

    def _decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        change_request = get_object_or_404(UserChangeRequest, pk=pk)
        self._decide(request, change_request, approve=request.POST.get("decision") == "approve")
        return HttpResponseRedirect(reverse("admin:accounts_userchangerequest_change", args=[pk]))

    def _decide(self, request: HttpRequest, change_request: UserChangeRequest, *, approve: bool) -> bool:
        decide = user_change_request_approve if approve else user_change_request_reject
        if not admin_attempt(
            request,
            lambda: decide(
                actor=_actor(request),
                change_request=change_request,
                access_point=AccessPoint.from_request(request, channel=Channel.ADMIN),
            ),
            subject=str(change_request.target),
        ):
            return False
        done = _("Approved: the change has taken effect.") if approve else _("Rejected: nothing was changed.")
        messages.success(request, f"{change_request.target}: {done}")
        return True

    @admin.action(description=_("Approve the selected requests"), permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[UserChangeRequest]) -> None:
        for change_request in queryset.select_related("target"):
            self._decide(request, change_request, approve=True)

    @admin.action(description=_("Reject the selected requests"), permissions=["decide"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[UserChangeRequest]) -> None:
        for change_request in queryset.select_related("target"):
            self._decide(request, change_request, approve=False)


# django-otp's own TOTP admin shows every device's secret (key field, QR code page) and lets whoever
# has the permissions add, change or delete devices of anyone. Here second-factor devices, of every
# django-otp plugin installed (TOTP today; static codes or WebAuthn if added later), are only looked
# at; a second factor is reset through an approved UserChangeRequest.


class DeviceAdmin(admin.ModelAdmin[Any]):  # any django-otp device model
    """Read-only admin for a django-otp device: who, which name, confirmed, when; never a secret."""

    list_display = ("user", "name", "confirmed")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username",)
    shown = ("user", "name", "confirmed", "created_at", "last_used_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        names = {field.name for field in self.model._meta.get_fields()}
        return tuple(name for name in self.shown if name in names)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def device_admins_read_only(site: admin.AdminSite = admin.site) -> None:
    """Replace the admin of every django-otp device model by ``DeviceAdmin``. Called from
    ``AccountsConfig.ready``, after every app's admin module has been imported (autodiscover)."""
    for model in [model for model in site._registry if issubclass(model, Device)]:
        if not isinstance(site._registry[model], DeviceAdmin):
            site.unregister(model)
            site.register(model, DeviceAdmin)


if not admin.site.is_registered(TOTPDevice):  # pragma: no cover - django_otp.plugins.otp_totp is installed
    admin.site.register(TOTPDevice, DeviceAdmin)
