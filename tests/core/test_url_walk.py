"""One walk over every URL pattern of the URL conf (``tests/core/url_walk.py``), as each role and
anonymously, checks three rules on every page, so a page added later is covered without editing
this file:

- **access log**: a page that shows clinical content of the client writes a NEN 7513 entry;
- **no 5xx on malformed input**: malformed values in every path parameter and in every query and
  form parameter the views read answer 400 or 404 (or any other client error), never a server error;
- **no-store**: every response carries ``Cache-Control: private, no-store``.
"""

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.http import HttpResponseBase
from django.test import Client as HttpClient
from django.utils.http import urlencode

from coachcare.audit.models import AccessLogEntry
from tests.core.url_walk import ROLES, Pattern, WalkData, body, url_for, url_patterns

#: Roles that may see clinical content of ``own`` (a 15-year-old; the parent has gezag).
CLINICAL_ROLES = {"coach", "teamleider", "jongere", "ouder"}

#: Pages that must show clinical content to the coach (so the access-log check cannot pass empty).
CLINICAL_PAGES = {
    "clients/<uuid:public_id>/",
    "trajectories/<uuid:public_id>/intake/scores/",
    "trajectories/<uuid:public_id>/evaluation/",
    "trajectories/<uuid:public_id>/decision/",
    "messages/<uuid:public_id>/",
    "portal/coach/<uuid:public_id>/",
    "api/v1/trajectories/<trajectory_id>/goals",
    "fhir/r4/Goal/<str:resource_id>",
    "meldcode/<uuid:public_id>/",
}

#: Empty; a number too large for any database column (and no UUID); not a UUID or a number, with
#: a NUL, non-ASCII and very long at once.
MALFORMED = ["", "9" * 25, "not-a-uuid\x00é☃𝄞" + "x" * 3000]

#: Every query or form parameter a view reads (``request.GET`` / ``request.POST``), and the
#: pagination and search parameters of the API and FHIR.
PARAMETERS = [
    *("next", "page", "q", "status", "before", "after", "context", "request", "relation", "kind"),
    *("action", "allow", "step", "understood", "outcome", "trajectory_version", "language"),
    *("cursor", "limit", "client", "trajectory", "_count", "_cursor", "patient", "subject", "for", "version"),
]

#: Valid values of the parameters views branch on, so the ids read behind the branch are reached.
CHOICES = {"kind": "parent", "action": "execute", "allow": "yes", "step": "confirm", "understood": "yes"}

#: URLs with a malformed value where a converter (uuid, int, slug) refuses it: unknown URLs.
UNKNOWN = [f"/{prefix}/{quote(MALFORMED[2], safe='')}/" for prefix in ("clients", "trajectories", "messages")]


def _directives(response: HttpResponseBase) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",")}


def _turned_away(response: HttpResponseBase) -> bool:
    """The role cannot open the page at all (no login, no access, not for its role)."""
    if response.status_code in {401, 403, 404}:
        return True
    location = response.get("Location", "") if response.status_code in {301, 302} else ""
    return location.startswith(("/accounts/login/", "/accounts/verify/", "/admin/login/"))


def _malformed(
    http: HttpClient, url: str, headers: dict[str, str], methods: set[str], values: list[str]
) -> Iterator[tuple[str, HttpResponseBase]]:
    """GET with every parameter malformed in the query; POST with it in the query and the form."""
    for index, value in enumerate(values):
        # Also with the choices a view branches on (kind=parent, action=execute, ...) valid, so the
        # malformed ids behind them are reached; the last value leaves every parameter malformed.
        data = dict.fromkeys(PARAMETERS, value) | (CHOICES if index < len(values) - 1 else {})
        target = f"{url}?{urlencode(data)}"
        if "GET" in methods:
            yield f"GET {url} ?…={value[:20]!r}", http.get(target, headers=headers)
        if "POST" in methods:
            yield f"POST {url} ?…={value[:20]!r}", http.post(target, data, headers=headers)


def _malformed_paths(
    http: HttpClient, walk: WalkData, pattern: Pattern, headers: dict[str, str]
) -> Iterator[tuple[str, HttpResponseBase]]:
    """Every malformed value in every path parameter its converters accept (the others never
    reach a view: they are unknown URLs, tried once in ``UNKNOWN``)."""
    for value in MALFORMED:
        if pattern.has_parameters and (pattern.accepts(value) or pattern.route.endswith("$")):
            url = url_for(pattern, walk, value=value)
            yield f"GET {url[:150]}", http.get(url, headers=headers)
            yield f"POST {url[:150]}", http.post(url, headers=headers)


def test_the_walker_fills_every_pattern(walk: WalkData) -> None:
    """Every pattern gets a URL that resolves to that very pattern (a new page the walker cannot
    fill fails here, and in the walk)."""
    patterns = url_patterns()
    assert len(patterns) > 100
    for pattern in patterns:
        url_for(pattern, walk)


@pytest.mark.parametrize("role", ROLES)
def test_every_url_pattern(walk: WalkData, role: str | None) -> None:
    own = walk.world.own.public_id
    actor = walk.user(role) if role is not None else None
    http = walk.http(role)
    unlogged: list[str] = []
    server_errors: list[str] = []
    stored: list[str] = []
    clinical_pages: set[str] = set()

    def check(what: str, response: HttpResponseBase) -> None:
        if response.status_code >= 500:
            server_errors.append(f"{response.status_code} {what}")
        if not {"no-store", "private"} <= _directives(response):
            stored.append(f"{response.status_code} {what}: {response.get('Cache-Control')!r}")

    for pattern in url_patterns():
        client = walk.http(role) if pattern.ends_session else http  # logging out ends its own session
        headers = walk.headers(role, pattern)
        url = url_for(pattern, walk)
        entries = AccessLogEntry.objects.filter(client_public_id=own, user_id=actor.pk if actor else None)
        before = entries.count()
        page = client.get(url, headers=headers)
        check(f"GET {url}", page)
        shows_clinical = page.status_code == 200 and any(text in body(page) for text in walk.clinical_texts)
        if role in CLINICAL_ROLES and shows_clinical:
            clinical_pages.add(pattern.route)
            if entries.count() == before:
                unlogged.append(f"{url} ({pattern.route})")
        if _turned_away(page):
            continue  # the view reads no parameter for this role; the roles that can open it try them
        posted = client.post(url, headers=headers)
        check(f"POST {url}", posted)
        # A method the view refuses (405) reads no parameter; a download (a PDF is slow to make)
        # is tried with the one value that is malformed in every way.
        methods = {method for method, answer in (("GET", page), ("POST", posted)) if answer.status_code != 405}
        download = page.get("Content-Disposition", "").startswith("attachment")
        values = MALFORMED[-1:] if download else MALFORMED
        for what, response in (
            *_malformed(client, url, headers, methods, values),
            *_malformed_paths(client, walk, pattern, headers),
        ):
            check(what, response)
    for url in UNKNOWN:
        check(f"GET {url[:60]}", http.get(url))

    who = role or "anonymous"
    assert unlogged == [], f"Pages that show {who} clinical content without an access-log entry:\n" + "\n".join(
        unlogged
    )
    assert server_errors == [], f"Server errors as {who}:\n" + "\n".join(server_errors)
    assert stored == [], f"Responses to {who} that a cache may store:\n" + "\n".join(stored)
    if role == "coach":  # the walk reached clinical content (else the access-log check could not fail)
        assert clinical_pages >= CLINICAL_PAGES
    if role is not None:  # and stayed logged in (else it walked the login page only)
        assert "_auth_user_id" in http.session


def test_a_response_that_sets_its_own_cache_control_keeps_no_store(walk: WalkData) -> None:
    """The attachment download says ``private, no-store`` itself; nothing makes it public."""
    url = f"/messages/{walk.youth_thread.public_id}/attachments/{walk.attachment.public_id}/"

    response = walk.http("coach").get(url)

    assert response.status_code == 200
    assert {"no-store", "private"} <= _directives(response)
    assert "public" not in _directives(response)


def test_static_files_keep_their_cache_headers(settings) -> None:  # type: ignore[no-untyped-def]
    """Only the application's own responses: WhiteNoise answers static files first."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = HttpClient().get("/static/coachcare/css/coachcare.css")

    assert response.status_code == 200
    assert "no-store" not in _directives(response)
