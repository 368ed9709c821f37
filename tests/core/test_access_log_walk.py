"""Every page that shows clinical content writes the NEN 7513 access log: a walk over every URL
pattern of the URL conf (``tests/core/url_walk.py``) as each role that may see clinical content."""

from coachcare.audit.models import AccessLogEntry
from tests.core.url_walk import WalkData, body, url_for, url_patterns

#: Roles that may see clinical content of ``own`` (a 15-year-old; the parent has gezag).
CLINICAL_ROLES = ["coach", "teamleider", "jongere", "ouder"]


def test_the_walker_fills_every_pattern(walk: WalkData) -> None:
    """Every pattern gets a URL that resolves to that very pattern (a new page the walker cannot
    fill fails here, and in every walk)."""
    patterns = url_patterns()
    assert len(patterns) > 100
    for pattern in patterns:
        url_for(pattern, walk)


def test_every_page_with_clinical_content_writes_the_access_log(walk: WalkData) -> None:
    """A page "shows clinical content" when it contains one of the clinical texts planted in the
    file (goal, note, message, diary, answer, feedback, T-score); then an entry for the client
    by this user must have been written while answering it."""
    own = walk.world.own.public_id
    clinical_pages: set[str] = set()
    missing: list[str] = []
    for role in CLINICAL_ROLES:
        actor = walk.user(role)
        http = walk.http(role)
        for pattern in url_patterns():
            url = url_for(pattern, walk)
            entries = AccessLogEntry.objects.filter(client_public_id=own, user_id=actor.pk)
            before = entries.count()
            response = http.get(url, headers=walk.headers(role, pattern))
            if response.status_code != 200 or not any(text in body(response) for text in walk.clinical_texts):
                continue
            clinical_pages.add(pattern.route)
            if entries.count() == before:
                missing.append(f"{role}: {url} ({pattern.route})")
    assert missing == [], "Pages that show clinical content without an access-log entry:\n" + "\n".join(missing)
    # The walk really reached clinical content (else this test could not fail).
    assert {
        "clients/<uuid:public_id>/",
        "trajectories/<uuid:public_id>/intake/scores/",
        "trajectories/<uuid:public_id>/evaluation/",
        "trajectories/<uuid:public_id>/decision/",
        "messages/<uuid:public_id>/",
        "portal/diary/",
        "api/v1/trajectories/<trajectory_id>/goals",
        "fhir/r4/Goal/<str:resource_id>",
    } <= clinical_pages
