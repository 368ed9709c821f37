from django.urls import path

from coachcare.declarations import views

app_name = "declarations"

urlpatterns = [
    path("", views.declaration_list, name="declaration_list"),
    path("production-statement/", views.production_statement, name="production_statement"),
    path("<uuid:public_id>/", views.declaration_detail, name="declaration_detail"),
    path("<uuid:public_id>/evidence/", views.declaration_evidence, name="declaration_evidence"),
]
