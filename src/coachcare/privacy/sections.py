"""What the file holds about a young person, per app: the sections of "download my data" and the
destroyers of clinical content (registered in ``coachcare.privacy.registry``).

Clients, trajectories and measures are registered here. The messaging and coaching apps are found
at run time: if such an app offers ``client_export_section(client, requester)`` or
``client_content_destroy(client)`` in its ``selectors``/``services`` module, that is used;
otherwise every model of the app that refers to the client is covered generically, with a
conservative rule for parents (``_dynamic_rows_allowed``).
"""

import importlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.actions import role_label
from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client, ClientNote, GezagRelation, ParentAccessDecision
from coachcare.core.dates import age_on, today
from coachcare.measures.models import QuestionnaireResponse
from coachcare.privacy.labels import step_label
from coachcare.privacy.registry import (
    Section,
    client_lookup,
    models_with_client_content,
    register_destroyer,
    register_section,
)
from coachcare.trajectories.models import (
    Agreement,
    ConsentException,
    Evaluation,
    FollowUp,
    Goal,
    GoalScore,
    ModuleRun,
    Trajectory,
    TrajectoryTransition,
)

DYNAMIC_APPS = ("messaging", "coaching")


def _kinds(client: Client, requester: User) -> frozenset[policy.DataKind]:
    return policy.kinds_visible(requester, client)


def _clinical(client: Client, requester: User) -> bool:
    return policy.DataKind.CLINICAL in _kinds(client, requester)


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


# --- clients -------------------------------------------------------------------------------------


@register_section("personal_details")
def personal_details(client: Client, requester: User) -> Section | None:
    kinds = _kinds(client, requester)
    if policy.DataKind.ADMINISTRATIVE not in kinds:
        return None
    row: dict[str, Any] = {
        "public_id": client.public_id,
        "given_name": client.given_name,
        "family_name": client.family_name,
        "birth_date": client.birth_date,
        "age_today": age_on(client.birth_date, today()),
        "municipality": client.municipality.name,
        "provider": client.provider.name,
        "team": client.team.name,
        "coach": _name(client.coach),
        "referred_on": client.referred_on,
    }
    if policy.DataKind.IDENTITY in kinds:
        row["bsn"] = client.bsn
    return _("Personal details"), [row]


@register_section("parents")
def parents(client: Client, requester: User) -> Section | None:
    if policy.DataKind.ADMINISTRATIVE not in _kinds(client, requester):
        return None
    on = today()
    rows = [
        {
            "parent": relation.display_name,
            "relation": relation.get_kind_display(),
            "has_parental_authority": policy.gezag_on(relation, on),
            "gezag_from": relation.gezag_from,
            "gezag_ends_on": relation.gezag_ends_on,
            "uses_portal": relation.uses_portal,
        }
        for relation in GezagRelation.objects.filter(client=client).select_related("parent").order_by("id")
    ]
    return _("Parents"), rows


@register_section("parent_access")
def parent_access(client: Client, requester: User) -> Section | None:
    # The young person's own choices and the coach's restrictions: for the young person only.
    if not policy.is_young_person(requester) or not _clinical(client, requester):
        return None
    rows = [
        {
            "parent": decision.parent.display_name,
            "decision": decision.get_kind_display(),
            "reason": decision.reason,
            "recorded_at": decision.recorded_at,
            "revoked_at": decision.revoked_at,
        }
        for decision in ParentAccessDecision.objects.filter(client=client).select_related("parent")
    ]
    return _("Parents' access to the file"), rows


@register_section("notes")
def notes(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {"written_at": note.created_at, "author": _name(note.author), "text": note.text}
        for note in ClientNote.objects.filter(client=client).select_related("author").order_by("created_at", "id")
    ]
    return _("Notes"), rows


# --- trajectories --------------------------------------------------------------------------------


def _trajectories(client: Client) -> models.QuerySet[Trajectory]:
    return Trajectory.objects.filter(client=client).order_by("created_at", "id")


@register_section("trajectories")
def trajectories(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {
            "trajectory": trajectory.public_id,
            "status": trajectory.get_status_display(),
            "referred_on": trajectory.referred_on,
            "referred_by": trajectory.get_referrer_kind_display(),
            "referrer_name": trajectory.referrer_name,
            "coach": _name(trajectory.coach),
            "plan_revision": trajectory.plan_revision,
            "closed_on": trajectory.closed_on,
            "end_reason": trajectory.get_end_reason_display() if trajectory.end_reason else "",
            "final_gas_t": trajectory.final_gas_t,
            "final_gbo_mean": trajectory.final_gbo_mean,
            "satisfaction_score": trajectory.satisfaction_score,
        }
        for trajectory in _trajectories(client).select_related("coach")
    ]
    return _("Trajectories"), rows


@register_section("goals")
def goals(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {
            "trajectory": goal.trajectory.public_id,
            "number": goal.order,
            "kind": goal.get_kind_display(),
            "goal": goal.text,
            "scale": json.loads(goal.scale) if goal.scale else {},
            "weight": goal.weight,
            "written_at": goal.created_at,
        }
        for goal in Goal.objects.filter(trajectory__client=client).select_related("trajectory")
    ]
    return _("Goals"), rows


@register_section("goal_scores")
def goal_scores(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {
            "trajectory": score.goal.trajectory.public_id,
            "goal_number": score.goal.order,
            "moment": _("module %(number)s") % {"number": score.module_run.sequence}
            if score.module_run
            else _("intake"),
            "gas_level": score.gas,
            "gbo_score": score.gbo,
            "scored_by": _name(score.scored_by),
            "scored_at": score.scored_at,
        }
        for score in GoalScore.objects.filter(goal__trajectory__client=client).select_related(
            "goal__trajectory", "module_run", "scored_by"
        )
    ]
    return _("Goal scores"), rows


@register_section("modules")
def modules(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {
            "trajectory": run.trajectory.public_id,
            "number": run.sequence,
            "module": run.module.code,
            "state": run.get_state_display(),
            "started_on": run.started_on,
            "due_on": run.due_on,
            "finished_on": run.finished_on,
        }
        for run in ModuleRun.objects.filter(trajectory__client=client).select_related("trajectory", "module")
    ]
    return _("Modules"), rows


@register_section("evaluations")
def evaluations(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {
            "trajectory": evaluation.module_run.trajectory.public_id,
            "module_number": evaluation.module_run.sequence,
            "advice": evaluation.get_advice_display(),
            "decision": evaluation.get_decision_display() if evaluation.decision else "",
            "decision_reason": evaluation.decision_reason,
            "decided_by": _name(evaluation.decided_by),
            "decided_at": evaluation.decided_at,
            "approval": evaluation.get_approval_display(),
            "approval_note": evaluation.approval_note,
        }
        for evaluation in Evaluation.objects.filter(module_run__trajectory__client=client).select_related(
            "module_run__trajectory", "decided_by"
        )
    ]
    return _("Evaluations and decisions"), rows


@register_section("status_changes")
def status_changes(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {
            "trajectory": transition.trajectory.public_id,
            "step": step_label(transition.name),
            "from": transition.get_from_status_display(),
            "to": transition.get_to_status_display(),
            "role": role_label(transition.by_role),
            "at": transition.at,
            "reason": transition.reason,
        }
        for transition in TrajectoryTransition.objects.filter(trajectory__client=client).select_related("trajectory")
    ]
    return _("Steps in the trajectory"), rows


@register_section("agreements")
def agreements(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {
            "trajectory": agreement.trajectory.public_id,
            "kind": agreement.get_kind_display(),
            "plan_revision": agreement.plan_revision,
            "given_by": _name(agreement.given_by),
            "given_as": agreement.given_as,
            "given_at": agreement.given_at,
            "revoked_at": agreement.revoked_at,
        }
        for agreement in Agreement.objects.filter(trajectory__client=client).select_related("trajectory", "given_by")
    ]
    return _("Consent and agreements"), rows


# --- measures ------------------------------------------------------------------------------------


@register_section("questionnaires")
def questionnaires(client: Client, requester: User) -> Section | None:
    if not _clinical(client, requester):
        return None
    rows = [
        {
            "questionnaire": response.definition.code,
            "version": response.definition.version,
            "context": response.context,
            "status": response.get_status_display(),
            "submitted_by": _name(response.submitted_by),
            "submitted_at": response.submitted_at,
            "total": response.total,
            "flags": response.flags,
            "answers": response.answer_values,
        }
        for response in QuestionnaireResponse.objects.filter(client=client)
        .select_related("definition", "submitted_by")
        .order_by("created_at", "id")
    ]
    return _("Questionnaires"), rows


# --- access log ----------------------------------------------------------------------------------


@register_section("access_log")
def access_log(client: Client, requester: User) -> Section | None:
    if policy.DataKind.ACCESS_LOG not in _kinds(client, requester):
        return None
    rows = [
        {
            "at": entry.timestamp,
            "who": entry.user_display_name or entry.username,
            "role": entry.role_label,
            "what": entry.get_event_display(),
            "action": entry.action_label,
            "via": entry.get_channel_display(),
        }
        for entry in AccessLogEntry.objects.filter(client_public_id=client.public_id).order_by("timestamp", "id")
    ]
    return _("Who opened the file"), rows


# --- apps found at run time: messaging and coaching ----------------------------------------------


def _hook(app_label: str, module: str, name: str) -> Any:
    try:
        imported = importlib.import_module(f"coachcare.{app_label}.{module}")
    except ImportError:
        return None
    return getattr(imported, name, None)


#: Parent-related choice values; a container (a thread) with such a value is the parents' thread.
_PARENT_WORDS = ("parent", "ouder")
#: Models a parent never gets, whatever their access: the young person's own writing.
_YOUTH_ONLY_WORDS = ("diary", "dagboek", "answer", "assignment")


def _is_parent_container(instance: models.Model) -> bool:
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if field.choices and isinstance(value, str) and any(word in value.lower() for word in _PARENT_WORDS):
            return True
    return False


def _dynamic_rows_allowed(model: type[models.Model], requester: User) -> bool:
    name = model.__name__.lower()
    return policy.is_young_person(requester) or not any(word in name for word in _YOUTH_ONLY_WORDS)


def _value(instance: models.Model, field: models.Field[Any, Any]) -> Any:
    if isinstance(field, models.FileField):
        file = getattr(instance, field.attname)
        return file.name if file else ""
    if field.is_relation:
        related = getattr(instance, field.name, None)
        if isinstance(related, User):
            return related.display_name
        return getattr(related, "public_id", None) or str(related) if related is not None else None
    return getattr(instance, field.attname)


def _generic_rows(model: type[models.Model], instances: Iterable[models.Model], lookup: str) -> list[dict[str, Any]]:
    top = lookup.split("__")[0]
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != top and field.related_model is not Client
    ]
    return [{field.name: _value(instance, field) for field in fields} for instance in instances]


def _dynamic_section(app_label: str, client: Client, requester: User) -> Section | None:
    hook = _hook(app_label, "selectors", "client_export_section")
    if hook is not None:
        return hook(client, requester)  # type: ignore[no-any-return]
    if not _clinical(client, requester):
        return None
    model_list = models_with_client_content(app_label)
    if not model_list:
        return None
    rows: list[dict[str, Any]] = []
    for model in sorted(model_list, key=lambda m: len(client_lookup(m) or "")):
        if not _dynamic_rows_allowed(model, requester):
            continue
        lookup = client_lookup(model) or ""
        container_path = lookup.rsplit("__", 1)[0] if "__" in lookup else ""
        instances = list(model._default_manager.filter(**{lookup: client}))
        if container_path:
            containers = [getattr(instance, container_path.split("__")[0]) for instance in instances]
        else:
            containers = instances
        kept = []
        for instance, container in zip(instances, containers, strict=True):
            parent_container = _is_parent_container(container)
            if policy.is_parent(requester) and not parent_container:
                continue  # a parent never gets the young person's own thread
            if policy.is_young_person(requester) and parent_container:
                continue  # nor the young person the parents' thread
            kept.append(instance)
        for row in _generic_rows(model, kept, lookup):
            rows.append({"kind": str(model._meta.verbose_name), **row})
    return str(app_label), rows


@register_section("messaging")
def messaging(client: Client, requester: User) -> Section | None:
    section = _dynamic_section("messaging", client, requester)
    return (_("Messages"), section[1]) if section else None


@register_section("coaching")
def coaching(client: Client, requester: User) -> Section | None:
    section = _dynamic_section("coaching", client, requester)
    return (_("Assignments, diary and appointments"), section[1]) if section else None


# --- destroyers: real deletion of clinical content -----------------------------------------------


@register_destroyer("notes", covers=("clients.ClientNote",))
def destroy_notes(client: Client) -> dict[str, int]:
    deleted, _per_model = ClientNote.objects.filter(client=client).delete()
    return {"clients.ClientNote": deleted}


@register_destroyer("parent_access_reasons", covers=("clients.ParentAccessDecision",))
def destroy_parent_access_reasons(client: Client) -> dict[str, int]:
    # The decisions themselves keep governing access; the written reasons are clinical content.
    emptied = ParentAccessDecision.objects.filter(client=client).update(reason="")
    return {"clients.ParentAccessDecision.reason": emptied}


@register_destroyer(
    "trajectory_content",
    covers=(
        "trajectories.Goal",
        "trajectories.GoalScore",
        "trajectories.Evaluation",
        "trajectories.TrajectoryTransition",
        "trajectories.Agreement",
        "trajectories.ConsentException",
        "trajectories.FollowUp",
    ),
)
def destroy_trajectory_content(client: Client) -> dict[str, int]:
    counts: dict[str, int] = {}
    _total, per_model = GoalScore.objects.filter(goal__trajectory__client=client).delete()
    counts["trajectories.GoalScore"] = per_model.get("trajectories.GoalScore", 0)
    _total, per_model = Goal.objects.filter(trajectory__client=client).delete()
    counts["trajectories.Goal"] = per_model.get("trajectories.Goal", 0)
    _total, per_model = Evaluation.objects.filter(module_run__trajectory__client=client).delete()
    counts["trajectories.Evaluation"] = per_model.get("trajectories.Evaluation", 0)
    agreements = Agreement.objects.filter(trajectory__client=client)
    scans = [(agreement.scan.storage, agreement.scan.name) for agreement in agreements.exclude(scan="")]
    _total, per_model = agreements.delete()
    counts["trajectories.Agreement"] = per_model.get("trajectories.Agreement", 0)

    def delete_scans() -> None:
        for storage, name in scans:
            if name:
                storage.delete(name)  # the scan of a consent on paper is really removed from disk

    if scans:
        transaction.on_commit(delete_scans)
        counts["trajectories.Agreement.scan"] = len(scans)
    _total, per_model = ConsentException.objects.filter(trajectory__client=client).delete()
    counts["trajectories.ConsentException"] = per_model.get("trajectories.ConsentException", 0)
    counts["trajectories.TrajectoryTransition.reason"] = TrajectoryTransition.objects.filter(
        trajectory__client=client
    ).update(reason="")
    counts["trajectories.FollowUp.needed_care_again"] = FollowUp.objects.filter(trajectory__client=client).update(
        needed_care_again=None
    )
    counts["trajectories.Trajectory.outcomes"] = Trajectory.objects.filter(client=client).update(
        final_gas_t=None, final_gbo_mean=None, satisfaction_score=None
    )
    return counts


@register_destroyer("questionnaires", covers=("measures.QuestionnaireResponse",))
def destroy_questionnaires(client: Client) -> dict[str, int]:
    _total, per_model = QuestionnaireResponse.objects.filter(client=client).delete()
    return {"measures.QuestionnaireResponse": per_model.get("measures.QuestionnaireResponse", 0)}


def _destroy_app(app_label: str, client: Client) -> dict[str, int]:
    hook = _hook(app_label, "services", "client_content_destroy")
    if hook is not None:
        return hook(client)  # type: ignore[no-any-return]
    counts: dict[str, int] = {}
    files: list[tuple[Any, str]] = []
    for model in models_with_client_content(app_label):
        queryset = model._default_manager.filter(**{client_lookup(model) or "pk": client})
        file_fields = [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]
        for instance in queryset if file_fields else ():
            for field in file_fields:
                file = getattr(instance, field.attname)
                if file:
                    files.append((file.storage, file.name))
        _total, per_model = queryset.delete()
        for label, count in per_model.items():
            counts[label] = counts.get(label, 0) + count

    def delete_files() -> None:
        for storage, name in files:
            storage.delete(name)  # the file on disk is really removed, once the rows are gone

    if files:
        transaction.on_commit(delete_files)
        counts[f"{app_label}.files"] = len(files)
    return counts


@register_destroyer("messaging", covers=("messaging.*",))
def destroy_messaging(client: Client) -> dict[str, int]:
    return _destroy_app("messaging", client)


@register_destroyer("coaching", covers=("coaching.*",))
def destroy_coaching(client: Client) -> dict[str, int]:
    return _destroy_app("coaching", client)
