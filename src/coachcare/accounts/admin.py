from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from coachcare.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "provider", "team", "municipality", "is_active")
    list_filter = ("role", "is_active", "provider", "municipality")
    list_select_related = ("provider", "team", "municipality")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Role and organisation"), {"fields": ("role", "provider", "team", "municipality")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and organisation"), {"fields": ("role", "provider", "team", "municipality")}),
    )
