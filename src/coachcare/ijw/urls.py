from django.urls import path

from coachcare.ijw import views

app_name = "ijw"

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
]
