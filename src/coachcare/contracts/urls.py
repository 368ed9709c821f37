from django.urls import path

from coachcare.contracts import views

app_name = "contracts"

urlpatterns = [
    path("allocations/", views.allocation_list, name="allocation_list"),
    path("allocations/<uuid:public_id>/", views.allocation_detail, name="allocation_detail"),
    path("allocations/<uuid:public_id>/approve/", views.allocation_approve, name="allocation_approve"),
    path("allocations/<uuid:public_id>/reject/", views.allocation_reject, name="allocation_reject"),
]
