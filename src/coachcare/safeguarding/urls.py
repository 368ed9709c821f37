from django.urls import path

from coachcare.safeguarding import views

app_name = "safeguarding"

urlpatterns = [
    path("hulp/", views.crisis_help, name="crisis_help"),
    path("meldcode/clients/<uuid:public_id>/", views.meldcode_client, name="meldcode_client"),
    path("meldcode/clients/<uuid:public_id>/open/", views.meldcode_open, name="meldcode_open"),
    path("meldcode/<uuid:public_id>/", views.meldcode_case, name="meldcode_case"),
]
