"""Uploading a pilot's comparison group on a page (issue 17.4): for the municipality's policy
staff, through the same all-or-nothing service as ``import_comparison``, with the problems per line
and column in Dutch, the CSV checks of ``core.files``, and nothing of the file kept."""

import hashlib
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from coachcare.core.files import MAX_UPLOAD_BYTES
from coachcare.monitoring.models import ComparisonTrajectory
from tests.conftest import World, log_in
from tests.monitoring.test_pilots import GOOD, _started

BAD = (
    "start,end,end_reason,product_category,cost\n"
    "2025-01-06,2025-05-30,31,45,3200.00\n"
    "2025-13-01,2025-03-15,32,45,900\n"
    "2025-02-10,2025-03-01,31,4A,-3\n"
)


def _csv(text: str | bytes, name: str = "gebruikelijke-zorg.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text if isinstance(text, bytes) else text.encode(), content_type="text/csv")


def test_policy_staff_upload_the_comparison_group_all_or_nothing(world: World, settings: Any) -> None:
    settings.LANGUAGE_CODE = "nl"  # the page in Dutch (this folder's conftest reads English)
    pilot = _started(world)
    url = reverse("monitoring:pilot_comparison", kwargs={"pilot_id": pilot.pk})
    http = log_in(HttpClient(), world.beleid)
    with translation.override("nl"):
        assert url in http.get(reverse("monitoring:pilots")).content.decode()
        page = http.get(url)
    assert page.status_code == 200 and 'type="file"' in page.content.decode()

    with translation.override("nl"):
        refused = http.post(url, {"file": _csv(BAD)})
    body = refused.content.decode()
    assert refused.status_code == 400
    assert "geen datum (JJJJ-MM-DD)" in body and "geen iJw-productcategorie van twee cijfers" in body
    assert 'id="id_file_error"' in body  # the error sits next to the field
    assert not ComparisonTrajectory.objects.filter(pilot=pilot).exists()

    with translation.override("nl"):
        done = http.post(url, {"file": _csv(GOOD)})
    assert done.status_code == 302
    assert ComparisonTrajectory.objects.filter(pilot=pilot).count() == 3
    pilot.refresh_from_db()
    assert pilot.comparison_sha256 == hashlib.sha256(GOOD.encode()).hexdigest()


def test_the_upload_is_checked_before_the_import(world: World) -> None:
    pilot = _started(world)
    url = reverse("monitoring:pilot_comparison", kwargs={"pilot_id": pilot.pk})
    http = log_in(HttpClient(), world.beleid)
    for upload in (
        _csv(GOOD, name="vergelijking.pdf"),  # not a .csv
        _csv(b"%PDF-1.7\n" + GOOD.encode()),  # a PDF by its first bytes
        _csv(GOOD.encode() + b"\x00"),  # binary
        _csv(b"a" * (MAX_UPLOAD_BYTES + 1)),  # too large
    ):
        with translation.override("nl"):
            response = http.post(url, {"file": upload})
        assert response.status_code == 400
        assert 'id="id_file_error"' in response.content.decode()
    assert not ComparisonTrajectory.objects.filter(pilot=pilot).exists()


def test_only_the_municipality_policy_staff_may_upload(world: World) -> None:
    pilot = _started(world)
    url = reverse("monitoring:pilot_comparison", kwargs={"pilot_id": pilot.pk})
    for role in ("toegang", "teamleider", "coach", "beheerder", "jongere"):
        response = log_in(HttpClient(), world.user(role)).post(url, {"file": _csv(GOOD)})
        assert response.status_code == 404, role
    assert not ComparisonTrajectory.objects.filter(pilot=pilot).exists()
