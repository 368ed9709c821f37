from django.contrib import admin

from coachcare.municipalities.models import Municipality


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin[Municipality]):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")
