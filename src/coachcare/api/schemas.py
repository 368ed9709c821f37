"""Typed input and output of the REST API (pydantic, via django-ninja)."""

import datetime
from typing import Any
from uuid import UUID

from ninja import Schema


class ClientOut(Schema):
    id: UUID
    given_name: str
    family_name: str
    birth_date: datetime.date
    age: int
    municipality_code: str
    team: str
    coach: str | None
    referred_on: datetime.date


class ClientDetailOut(ClientOut):
    kinds: list[str]
    bsn: str | None = None


class ClientPage(Schema):
    items: list[ClientOut]
    next_cursor: str | None


class ModuleRunOut(Schema):
    task_id: str
    trajectory_id: UUID
    sequence: int
    module_id: str
    module_name: str
    state: str
    started_on: datetime.date
    due_on: datetime.date
    finished_on: datetime.date | None
    external_status: str | None
    external_status_at: datetime.datetime | None


class ModuleRunPage(Schema):
    items: list[ModuleRunOut]
    next_cursor: str | None


class TrajectoryOut(Schema):
    id: UUID
    client_id: UUID
    status: str
    next_action: str
    next_action_due: datetime.date | None
    referred_on: datetime.date
    closed_on: datetime.date | None
    end_reason: str
    method_version: str
    coach: str | None
    created_at: datetime.datetime


class TrajectoryDetailOut(TrajectoryOut):
    module_runs: list[ModuleRunOut]


class TrajectoryPage(Schema):
    items: list[TrajectoryOut]
    next_cursor: str | None


class GoalScoreOut(Schema):
    gas: int
    gbo: int
    module_sequence: int | None
    scored_at: datetime.datetime


class GoalOut(Schema):
    id: str
    order: int
    kind: str
    text: str
    weight: float
    scores: list[GoalScoreOut]


class GoalPage(Schema):
    items: list[GoalOut]
    next_cursor: str | None


class ModuleOut(Schema):
    id: str
    code: str
    version: str
    name: str
    purpose: str
    kind: str
    expected_sessions: int
    expected_weeks: int
    sequence: int
    is_final: bool


class ModulePage(Schema):
    items: list[ModuleOut]
    next_cursor: str | None


class ResponseOut(Schema):
    id: UUID
    client_id: UUID
    questionnaire: str
    questionnaire_version: str
    context: str
    trajectory_id: UUID | None
    total: float | None
    subscales: dict[str, Any]
    flags: list[str]
    answers: dict[str, Any]
    submitted_at: datetime.datetime | None


class ResponsePage(Schema):
    items: list[ResponseOut]
    next_cursor: str | None


class AllocationOut(Schema):
    id: UUID
    client_id: UUID
    status: str
    allocation_number: str | None
    module_code: str
    product_category: str
    product_code: str
    volume: int
    volume_used: int
    start_date: datetime.date | None
    end_date: datetime.date | None
    budget_cents: int | None
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None


class AllocationPage(Schema):
    items: list[AllocationOut]
    next_cursor: str | None


class InvoiceOut(Schema):
    id: UUID
    number: str
    municipality_code: str
    provider: str
    period_start: datetime.date
    period_end: datetime.date
    status: str
    total_cents: int
    awarded_cents: int | None
    submitted_at: datetime.datetime | None
    answered_at: datetime.datetime | None


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None


class IndicatorsOut(Schema):
    scope: str
    suppressed_below: int | None
    trajectories_by_status: dict[str, int | None]
    young_people_by_age_band: dict[str, int | None]


class MeOut(Schema):
    username: str
    role: str
    display_name: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None
