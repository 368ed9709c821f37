from django.urls import path

from coachcare.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("consent/", views.consent, name="consent"),
    path("consent/<uuid:trajectory_id>/", views.consent_change, name="consent_change"),
    path("consent/parents/", views.parent_access, name="parent_access"),
    path("export.json", views.export_json, name="export_json"),
    path("export.pdf", views.export_pdf, name="export_pdf"),
    path("export/<uuid:public_id>.json", views.export_json, name="export_json_for"),
    path("export/<uuid:public_id>.pdf", views.export_pdf, name="export_pdf_for"),
    path("destruction/", views.destruction, name="destruction"),
    path("destruction/requests/", views.destruction_requests, name="destruction_requests"),
]
