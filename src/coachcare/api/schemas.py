"""Typed input and output of the REST API (pydantic, via django-ninja).

The output models are plain pydantic models, not ``ninja.Schema``: the views build dicts and
``rest._ok`` validates them against these models and serialises them in one pass of pydantic-core
(``ninja.Schema`` wraps every nested item in a Django-aware getter, several times slower on a
page of 100). They still document the responses in the OpenAPI schema.
"""

import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel

from coachcare.core.validators import ApiText
from coachcare.messaging.services import MAX_BODY_LENGTH as MESSAGE_MAX_LENGTH


class ClientOut(BaseModel):
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


class ClientPage(BaseModel):
    items: list[ClientOut]
    next_cursor: str | None


class ModuleRunOut(BaseModel):
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


class ModuleRunPage(BaseModel):
    items: list[ModuleRunOut]
    next_cursor: str | None


class TrajectoryOut(BaseModel):
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


class TrajectoryPage(BaseModel):
    items: list[TrajectoryOut]
    next_cursor: str | None


class GoalScoreOut(BaseModel):
    gas: int
    #: The young person's own mark; empty when they did not rate the goal at that moment.
    gbo: int | None
    module_sequence: int | None
    scored_at: datetime.datetime


class GoalOut(BaseModel):
    id: str
    order: int
    kind: str
    text: str
    weight: float
    scores: list[GoalScoreOut]


class GoalPage(BaseModel):
    items: list[GoalOut]
    next_cursor: str | None


class ModuleOut(BaseModel):
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


class ModulePage(BaseModel):
    items: list[ModuleOut]
    next_cursor: str | None


class QuestionnaireOut(BaseModel):
    code: str
    version: str
    name: str
    respondent: str
    active: bool
    loaded_at: datetime.datetime


class QuestionnairePage(BaseModel):
    items: list[QuestionnaireOut]
    next_cursor: str | None


class ResponseOut(BaseModel):
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


class ResponsePage(BaseModel):
    items: list[ResponseOut]
    next_cursor: str | None


class AllocationOut(BaseModel):
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


class AllocationPage(BaseModel):
    items: list[AllocationOut]
    next_cursor: str | None


class InvoiceOut(BaseModel):
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


class InvoicePage(BaseModel):
    items: list[InvoiceOut]
    next_cursor: str | None


class AppointmentOut(BaseModel):
    id: UUID
    client_id: UUID
    trajectory_id: UUID | None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    kind: str
    location: str
    title: str
    with_parents: bool
    created_by: str
    created_at: datetime.datetime


class AppointmentPage(BaseModel):
    items: list[AppointmentOut]
    next_cursor: str | None


class ThreadOut(BaseModel):
    id: UUID
    client_id: UUID
    kind: str
    parent: str | None
    created_at: datetime.datetime
    last_message_at: datetime.datetime | None
    unread: int


class ThreadPage(BaseModel):
    items: list[ThreadOut]
    next_cursor: str | None


class AttachmentOut(BaseModel):
    id: UUID
    name: str
    content_type: str
    size: int


class MessageOut(BaseModel):
    id: UUID
    thread_id: UUID
    author: str
    author_role: str
    mine: bool
    body: str
    created_at: datetime.datetime
    attachments: list[AttachmentOut]


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


class MessageIn(Schema):
    body: ApiText = Field(
        ..., min_length=1, max_length=MESSAGE_MAX_LENGTH, description="Plain text, stored as written; no NUL character."
    )


class IndicatorsOut(BaseModel):
    scope: str
    suppressed_below: int | None
    trajectories_by_status: dict[str, int | None]
    young_people_by_age_band: dict[str, int | None]


class OutcomeFigureOut(BaseModel):
    """One indicator over the period (docs/indicators.md); ``null`` where suppressed (below 5)."""

    code: str
    name: str
    definition: str
    numerator_definition: str
    denominator_definition: str
    unit: str
    value: float | None
    numerator: float | None
    denominator: int | None
    low: float | None = None
    high: float | None = None
    suppressed: bool


class OutcomesOut(BaseModel):
    scope: str
    date_from: datetime.date
    date_to: datetime.date
    module: str | None
    age_band: str | None
    suppressed_below: int | None
    outcomes: list[OutcomeFigureOut]
    gate_decisions: list[OutcomeFigureOut]


class MeOut(BaseModel):
    username: str
    role: str
    display_name: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None


class EvidenceSessionOut(BaseModel):
    date: datetime.date
    attendance: str = Field(description="attended, not_attended, or empty when not recorded")


class EvidenceLineOut(BaseModel):
    reference: str
    client_id: UUID
    allocation_number: str | None
    product_code: str
    module_started: datetime.date
    module_ended: datetime.date
    sessions: list[EvidenceSessionOut]


class EvidenceOut(BaseModel):
    """Evidence of delivery for the materiële controle: per declared module the session dates."""

    invoice_id: UUID
    lines: list[EvidenceLineOut]
