"""NEN 7513 access-log entries for ``manage.py declaration_run``, which runs without a user.

The monthly run reads the delivered modules of every client with an allocation and declares them
(new declaration lines: the client's BSN, product, dates and amount leave for the municipality).
One entry per client (``audit.services.access_log_record_system``: who = ``system`` on behalf of
the OS user that ran the command, from ``manage.py declaration_run`` on the host, channel
``command``): CREATE ``declarations.run`` for a client with a new line, READ
``declarations.run_refused`` for a client whose delivered module was read but refused or held
(waiting for the municipality's allocation number).
"""

import datetime
import itertools
from collections.abc import Iterable, Iterator
from uuid import UUID

from django.db import transaction

from coachcare.audit.services import AccessPoint, Event, access_log_record_system
from coachcare.declarations.models import DeclarationLine
from coachcare.declarations.services import DeclarationRunResult, declaration_run, declaration_run_all
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import ModuleRun

#: Values per ``IN (...)`` query: a national run declares many modules.
CHUNK = 1000


def _chunks(values: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def declaration_run_client_ids(*, results: Iterable[DeclarationRunResult]) -> tuple[set[UUID], set[UUID]]:
    """The public ids of the clients declared in ``results``, and of those only refused or held."""
    results = list(results)
    declared: set[UUID] = set()
    for chunk in _chunks(declaration.pk for result in results for declaration in result.declarations):
        declared.update(
            DeclarationLine.objects.filter(declaration_id__in=chunk).values_list("client__public_id", flat=True)
        )
    refused: set[UUID] = set()
    not_declared = itertools.chain(
        (refusal.module_run_id for result in results for refusal in result.refusals),
        (run_id for result in results for run_id in result.awaiting),  # held for the municipality's number
    )
    for chunk in _chunks(not_declared):
        refused.update(ModuleRun.objects.filter(pk__in=chunk).values_list("trajectory__client__public_id", flat=True))
    return declared, refused - declared


def declaration_run_logged(
    *,
    municipality: Municipality | None,
    period: str,
    access_point: AccessPoint,
    on: datetime.date | None = None,
) -> list[DeclarationRunResult]:
    """The month's run for ``municipality`` (``None``: every municipality with a contract), then its
    access-log entries. The run commits per municipality, so the entries are written right after
    it, in their own transaction; a failure there fails the command loudly."""
    if municipality is None:
        results = declaration_run_all(period=period, actor=None, on=on)
    else:
        results = [declaration_run(municipality=municipality, period=period, actor=None, on=on)]
    declared, refused = declaration_run_client_ids(results=results)
    with transaction.atomic():
        access_log_record_system(
            event=Event.CREATE, action="declarations.run", client_ids=sorted(declared), access_point=access_point
        )
        access_log_record_system(
            event=Event.READ,
            action="declarations.run_refused",
            client_ids=sorted(refused),
            access_point=access_point,
        )
    return results
