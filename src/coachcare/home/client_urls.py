"""The ``clients`` namespace: the client file and the referral (composed in ``home`` from clients,
trajectories, accounts and audit) plus the clients app's own pages. URL names are unchanged."""

from django.urls import path

from coachcare.clients import urls as clients_urls
from coachcare.home import views

app_name = "clients"

urlpatterns = [
    path("new/", views.refer, name="refer"),
    *clients_urls.urlpatterns,
    path("<uuid:public_id>/", views.client_file, name="detail"),
    path("<uuid:public_id>/move/", views.client_move, name="move"),
]
