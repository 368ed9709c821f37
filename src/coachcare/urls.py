from django.contrib import admin
from django.urls import include, path

# Every request tries these in order until one matches, and a pattern that does not match costs
# Python work (an include with an empty prefix, such as the start page's, matches every path and
# fails inside): the prefixes of the most requested pages (messages and their poll, the portal,
# client files, the API) come first. No two entries match the same path, so the order changes
# nothing but the work (issue 19).
urlpatterns = [
    path("messages/", include("coachcare.messaging.urls")),
    path("portal/", include("coachcare.coaching.urls")),
    path("clients/", include("coachcare.home.client_urls")),
    path("api/v1/", include("coachcare.api.urls")),
    path("fhir/r4/", include("coachcare.api.fhir_urls")),
    path("", include("coachcare.home.urls")),
    path("monitoring/", include("coachcare.monitoring.urls")),
    path("accounts/passkey/", include("coachcare.accounts.passkey_urls")),
    path("accounts/", include("coachcare.accounts.urls")),
    path("staff/", include("coachcare.accounts.staff_urls")),
    path("contracts/", include("coachcare.contracts.urls")),
    path("trajectories/", include("coachcare.trajectories.urls")),
    path("ijw/", include("coachcare.ijw.urls")),
    path("declarations/", include("coachcare.declarations.urls")),
    path("privacy/", include("coachcare.privacy.urls")),
    path("", include("coachcare.safeguarding.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# A database that cannot be reached gives a 503 with Retry-After, not the 500 page (docs/operations.md).
handler500 = "coachcare.operations.unavailable.server_error"
