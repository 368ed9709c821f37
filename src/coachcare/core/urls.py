"""The kernel's probes. Mounted (with the start page) in the ``core`` namespace by ``home/urls.py``."""

from django.urls import path

from coachcare.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
