from django.urls import path, re_path

from coachcare.api.errors import not_found
from coachcare.api.rest import api

urlpatterns = [
    path("", api.urls),
    re_path(r"^.*$", not_found),  # unknown paths: a problem document, not the HTML 404 page
]
