"""The start page and the kernel's probes under their long-standing names ``core:home``,
``core:healthz`` and ``core:readyz`` (templates and tests reverse them)."""

from django.urls import path

from coachcare.core import urls as core_urls
from coachcare.home import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("vandaag/", views.today_view, name="today"),
    path("team/", views.team_desk, name="team"),
    *core_urls.urlpatterns,
]
