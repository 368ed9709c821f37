from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from coachcare.municipalities import services
from coachcare.municipalities.models import Municipality, Region, RegionMembership


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin[Municipality]):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")


class RegionMembershipForm(forms.ModelForm[RegionMembership]):
    """The period check is the service's (``region_membership_check``): one region at a time."""

    class Meta:
        model = RegionMembership
        fields = ("municipality", "valid_from", "valid_to")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("municipality") is not None and cleaned.get("valid_from") is not None:
            try:
                services.region_membership_check(
                    municipality=cleaned["municipality"],
                    valid_from=cleaned["valid_from"],
                    valid_to=cleaned.get("valid_to"),
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


class RegionMembershipInline(admin.TabularInline[RegionMembership, Region]):
    model = RegionMembership
    form = RegionMembershipForm
    extra = 1
    autocomplete_fields = ("municipality",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ("name", "lead_municipality")
    search_fields = ("name",)
    autocomplete_fields = ("lead_municipality",)
    inlines = (RegionMembershipInline,)
