from django.contrib import admin

from coachcare.providers.models import Provider, Team


class TeamInline(admin.TabularInline[Team, Provider]):
    model = Team
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin[Provider]):
    list_display = ("agb_code", "name")
    search_fields = ("agb_code", "name")
    inlines = [TeamInline]
