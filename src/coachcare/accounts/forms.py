import functools
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coachcare.accounts.models import PROVIDER_ROLES, Role
from coachcare.accounts.tasks import password_reset_send_task
from coachcare.providers.models import Team


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}),
    )

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("The code has 6 digits."))
        return token


class InvitationForm(forms.Form):
    """Whom to invite: a first name (the only name in the e-mail) and an e-mail address."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"), max_length=150, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )


class AcceptInvitationForm(forms.Form):
    """Choosing a password; the password validators run in ``invitation_accept``."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=_("At least 12 characters. A sentence you can remember works well."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class TeamChoiceField(forms.ModelChoiceField[Team]):
    """Teams by their name (the administrator only sees teams of their own provider)."""

    def label_from_instance(self, obj: Team) -> str:
        return obj.name


class StaffInvitationForm(InvitationForm):
    """An organisation's administrator invites a staff member: role, and for provider staff a team."""

    role = forms.ChoiceField(label=_("Role"))
    team = TeamChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, roles: frozenset[Role], teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        team_field = self.fields["team"]
        assert isinstance(role_field, forms.ChoiceField) and isinstance(team_field, forms.ModelChoiceField)
        role_field.choices = [("", "")] + [(r.value, r.label) for r in Role if r in roles]
        team_field.queryset = teams
        if not roles & PROVIDER_ROLES:
            del self.fields["team"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "team" in self.fields and cleaned.get("role") in PROVIDER_ROLES and cleaned.get("team") is None:
            self.add_error("team", _("Choose the team."))
        return cleaned


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Queues the reset e-mail for every active account with this address (normally one); nothing
    is sent during the request, so known and unknown addresses get the same answer, equally fast."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            transaction.on_commit(functools.partial(password_reset_send_task.enqueue, user.pk))
