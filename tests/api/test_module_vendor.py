"""API tokens: no token for young people and parents; the narrow scope of an e-health module's
service account (role ``module-vendor``): its assigned FHIR Tasks and their Patient, Task.status."""

import dataclasses
import io
import json
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient

from coachcare.access import policy
from coachcare.accounts.models import Role, User
from coachcare.api.models import ApiToken, ModuleProgress, ModuleVendorAccount
from coachcare.api.services import api_token_authenticate, api_token_create, token_hash
from coachcare.audit.models import AccessLogEntry
from coachcare.method.models import Module
from coachcare.trajectories.models import ModuleRun
from tests.accounts.factories import UserFactory
from tests.api.conftest import ApiWorld, Headers, make_trajectory
from tests.api.test_auth import assert_problem
from tests.api.test_fhir import fhir_json
from tests.clients.factories import ClientFactory
from tests.providers.factories import TeamFactory

# --- no token without a second factor ---------------------------------------------------------


@pytest.mark.parametrize("username", ["jongere", "ouder"])
def test_no_token_for_young_people_and_parents(api_world: ApiWorld, username: str) -> None:
    with pytest.raises(CommandError, match="never for young people or parents"):
        call_command("create_api_token", username, stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(ValueError, match="No API token for this account"):
        api_token_create(user=api_world.world.user(username))
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("username", ["jongere", "ouder"])
def test_a_token_issued_before_the_rule_no_longer_works(api_world: ApiWorld, client: HttpClient, username: str) -> None:
    raw = "cc_legacy-token-of-a-young-person-or-parent"
    ApiToken.objects.create(
        user=api_world.world.user(username),
        name="legacy",
        key_hash=token_hash(raw),
        prefix=raw[:11],
        expires_at="2999-01-01T00:00:00Z",
    )
    for url in ["/api/v1/me", "/api/v1/threads", f"/fhir/r4/Task?patient={api_world.world.own.public_id}"]:
        assert_problem(client.get(url, headers={"Authorization": f"Bearer {raw}"}), 401)


# --- the module-vendor service account ---------------------------------------------------------


@dataclasses.dataclass
class Vendor:
    user: User
    headers: Headers
    served: list[ModuleRun]  # runs of its module at its provider
    other_module: ModuleRun  # its provider, another module
    other_provider: ModuleRun  # its module, another provider


@pytest.fixture
def vendor(api_world: ApiWorld) -> Vendor:
    w = api_world.world
    module = api_world.runs["own"].module
    other = Module.objects.filter(method_version=module.method_version).exclude(code=module.code).first()
    assert other is not None
    out = io.StringIO()
    call_command(
        "create_module_vendor",
        "mindfit",
        "--provider",
        w.provider.agb_code,
        "--module",
        module.code,
        "--name",
        "Mindfit",
        stdout=out,
    )
    assert "create_api_token mindfit" in out.getvalue()
    token = io.StringIO()
    call_command("create_api_token", "mindfit", "--name", "koppeltaal", stdout=token, stderr=io.StringIO())
    user = User.objects.get(username="mindfit")
    _, other_module, _ = make_trajectory(ClientFactory.create(coach=w.coach), other)
    elsewhere = TeamFactory.create()  # a team of another provider
    elsewhere_coach = UserFactory.create(coach=True, team=elsewhere, provider=elsewhere.provider)
    _, other_provider, _ = make_trajectory(ClientFactory.create(coach=elsewhere_coach), module)
    return Vendor(
        user=user,
        headers={"Authorization": f"Bearer {token.getvalue().strip()}"},
        served=[api_world.runs[key] for key in ("own", "team", "other_team")],
        other_module=other_module,
        other_provider=other_provider,
    )


def _task_url(run: ModuleRun) -> str:
    return f"/fhir/r4/Task/{run.trajectory.public_id}-{run.sequence}"


def test_the_account_is_tied_to_a_provider_and_its_modules(api_world: ApiWorld, vendor: Vendor) -> None:
    account = ModuleVendorAccount.objects.get(user=vendor.user)
    assert vendor.user.role == Role.MODULE_VENDOR and not vendor.user.has_usable_password()
    assert account.provider == api_world.world.provider
    assert account.module_codes == [api_world.runs["own"].module.code]
    # No file at all through the screens' rules.
    assert not policy.clients_visible_to(vendor.user).exists()
    assert policy.kinds_visible(vendor.user, api_world.world.own) == policy.NO_KINDS
    assert policy.api_scope(vendor.user) == policy.ApiScope.MODULE_TASKS


def test_bad_vendor_commands_are_refused(api_world: ApiWorld) -> None:
    agb = api_world.world.provider.agb_code
    with pytest.raises(CommandError, match="Unknown module code"):
        call_command("create_module_vendor", "x", "--provider", agb, "--module", "NOPE", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No provider"):
        call_command("create_module_vendor", "x", "--provider", "00000000", "--module", "NOPE", stdout=io.StringIO())
    assert not User.objects.filter(username="x").exists()
    # A module-vendor account without its scope holds no token.
    bare = UserFactory.create(role=Role.MODULE_VENDOR)
    with pytest.raises(ValueError, match="No API token"):
        api_token_create(user=bare)


def test_reads_only_its_assigned_tasks(api_world: ApiWorld, vendor: Vendor, client: HttpClient) -> None:
    bundle = fhir_json(client.get("/fhir/r4/Task?_count=100", headers=vendor.headers))
    found = {entry["resource"]["id"] for entry in bundle["entry"]}
    assert found == {f"{run.trajectory.public_id}-{run.sequence}" for run in vendor.served}
    for run in vendor.served:
        fhir_json(client.get(_task_url(run), headers=vendor.headers))
    for run in (vendor.other_module, vendor.other_provider):
        assert_problem(client.get(_task_url(run), headers=vendor.headers), 404)
        patient = run.trajectory.client.public_id
        assert_problem(client.get(f"/fhir/r4/Task?patient={patient}", headers=vendor.headers), 404)
    own = fhir_json(client.get(f"/fhir/r4/Task?patient={api_world.world.own.public_id}", headers=vendor.headers))
    assert [e["resource"]["id"] for e in own["entry"]] == [f"{api_world.trajectories['own'].public_id}-1"]
    reads = AccessLogEntry.objects.filter(username="mindfit", channel="api")
    assert {"api.module_run.list", "api.module_run.detail"} <= set(reads.values_list("action", flat=True))


def test_reads_the_patient_of_its_tasks_without_the_bsn(
    api_world: ApiWorld, vendor: Vendor, client: HttpClient
) -> None:
    w = api_world.world
    patient = fhir_json(client.get(f"/fhir/r4/Patient/{w.own.public_id}", headers=vendor.headers))
    assert patient["name"][0]["family"] == w.own.family_name
    assert "identifier" not in patient and w.own.bsn not in json.dumps(patient)
    assert AccessLogEntry.objects.filter(
        username="mindfit", action="api.client.detail", client_public_id=w.own.public_id
    ).exists()
    for run in (vendor.other_module, vendor.other_provider):
        url = f"/fhir/r4/Patient/{run.trajectory.client.public_id}"
        assert_problem(client.get(url, headers=vendor.headers), 404)


def test_no_other_resource_and_no_rest_endpoint(api_world: ApiWorld, vendor: Vendor, client: HttpClient) -> None:
    w = api_world.world
    trajectory = api_world.trajectories["own"].public_id
    for url in [
        f"/fhir/r4/CarePlan/{trajectory}",
        f"/fhir/r4/CarePlan?patient={w.own.public_id}",
        f"/fhir/r4/Goal/{trajectory}-g1",
        f"/fhir/r4/Goal?patient={w.own.public_id}",
        f"/fhir/r4/CareTeam/{w.own.public_id}",
        f"/fhir/r4/QuestionnaireResponse?patient={w.own.public_id}",
        f"/fhir/r4/AuditEvent?patient={w.own.public_id}",
        "/fhir/r4/ActivityDefinition",
    ]:
        assert_problem(client.get(url, headers=vendor.headers), 403)
    for url in ["/api/v1/me", "/api/v1/clients", "/api/v1/module-runs", f"/api/v1/trajectories/{trajectory}"]:
        assert_problem(client.get(url, headers=vendor.headers), 403)
    assert fhir_json(client.get("/fhir/r4/metadata"))["resourceType"] == "CapabilityStatement"


def test_writes_only_the_status(api_world: ApiWorld, vendor: Vendor, client: HttpClient) -> None:
    run = vendor.served[0]
    url = _task_url(run)
    patch = [{"op": "replace", "path": "/status", "value": "in-progress"}]
    response = client.patch(url, json.dumps(patch), content_type="application/json-patch+json", headers=vendor.headers)
    assert fhir_json(response)["status"] == "in-progress"
    progress = ModuleProgress.objects.get(module_run=run)
    assert progress.updated_by == vendor.user and progress.business_status == ""
    assert AccessLogEntry.objects.filter(username="mindfit", action="fhir.task.status", event="update").count() == 1
    # The whole Task back with only the status changed is fine; the business status is not its to write.
    current = fhir_json(client.get(url, headers=vendor.headers))
    done = client.put(url, json.dumps({**current, "status": "completed"}), content_type="application/fhir+json",
                      headers=vendor.headers)  # fmt: skip
    assert fhir_json(done)["status"] == "completed"
    business = [
        {"op": "replace", "path": "/status", "value": "in-progress"},
        {"op": "add", "path": "/businessStatus", "value": {"text": "les 2 van 3"}},
    ]
    response = client.patch(
        url, json.dumps(business), content_type="application/json-patch+json", headers=vendor.headers
    )
    assert_problem(response, 403)
    progress.refresh_from_db()
    assert progress.status == "completed" and progress.business_status == ""
    for other in (vendor.other_module, vendor.other_provider):
        response = client.patch(
            _task_url(other), json.dumps(patch), content_type="application/json-patch+json", headers=vendor.headers
        )
        assert_problem(response, 404)
    assert not ModuleProgress.objects.exclude(module_run=run).exists()


def test_a_vendor_token_runs_a_fixed_number_of_queries(
    api_world: ApiWorld, vendor: Vendor, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/fhir/r4/Task", headers=vendor.headers)  # last_used_at written once
    with CaptureQueriesContext(connection) as small:
        fhir_json(client.get("/fhir/r4/Task?_count=50", headers=vendor.headers))
    w = api_world.world
    module = api_world.runs["own"].module
    for _ in range(5):
        make_trajectory(ClientFactory.create(coach=w.coach), module)
    with CaptureQueriesContext(connection) as large:
        bundle = fhir_json(client.get("/fhir/r4/Task?_count=50", headers=vendor.headers))
    assert len(bundle["entry"]) == 8
    assert len(large) == len(small), [q["sql"] for q in large]


def test_the_token_loads_the_account_with_its_user(vendor: Vendor) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    raw = vendor.headers["Authorization"].removeprefix("Bearer ")
    account = ModuleVendorAccount.objects.get(user=vendor.user)
    assert api_token_authenticate(raw=raw) is not None  # last_used_at written once
    with CaptureQueriesContext(connection) as captured:
        user = api_token_authenticate(raw=raw)
        assert user is not None and user.pk == vendor.user.pk
        assert user.module_vendor_account.module_codes == account.module_codes
        assert user.module_vendor_account.created_at == account.created_at
        assert user.module_vendor_account.user is user
    assert len(captured) == 1  # the token, its user and the account in one statement
    assert api_token_authenticate(raw=raw + "x") is None
    assert api_token_authenticate(raw=raw[:-1]) is None


def test_a_vendor_account_never_gets_a_browser_session(vendor: Vendor, client: HttpClient) -> None:
    """Even with a password set by an administrator, the service account cannot log in on the
    login page, and a session made for it some other way is dropped on the next request."""
    vendor.user.set_password("a-password-someone-set-123")
    vendor.user.save(update_fields=["password"])
    response = client.post(
        "/accounts/login/", {"username": vendor.user.username, "password": "a-password-someone-set-123"}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    assert not policy.can_use_screens(vendor.user)

    client.force_login(vendor.user, backend="coachcare.accounts.backends.ScreenModelBackend")
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
