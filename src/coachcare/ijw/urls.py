from django.urls import path

from coachcare.ijw import views

app_name = "ijw"

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("change-requests/", views.change_request_list, name="change_request_list"),
    path("change-requests/<uuid:public_id>/", views.change_request_detail, name="change_request_detail"),
]
