from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("coachcare.home.urls")),
    path("accounts/passkey/", include("coachcare.accounts.passkey_urls")),
    path("accounts/", include("coachcare.accounts.urls")),
    path("staff/", include("coachcare.accounts.staff_urls")),
    path("clients/", include("coachcare.home.client_urls")),
    path("contracts/", include("coachcare.contracts.urls")),
    path("trajectories/", include("coachcare.trajectories.urls")),
    path("portal/", include("coachcare.coaching.urls")),
    path("messages/", include("coachcare.messaging.urls")),
    path("ijw/", include("coachcare.ijw.urls")),
    path("declarations/", include("coachcare.declarations.urls")),
    path("privacy/", include("coachcare.privacy.urls")),
    path("monitoring/", include("coachcare.monitoring.urls")),
    path("api/v1/", include("coachcare.api.urls")),
    path("fhir/r4/", include("coachcare.api.fhir_urls")),
    path("", include("coachcare.safeguarding.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# A database that cannot be reached gives a 503 with Retry-After, not the 500 page (docs/operations.md).
handler500 = "coachcare.operations.unavailable.server_error"
