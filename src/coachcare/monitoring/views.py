"""Monitoring dashboards: aggregated figures only (no client data, so no access-log entries)."""

import datetime
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.accounts.models import User
from coachcare.contracts.money import format_euros
from coachcare.core.dates import today
from coachcare.core.files import upload_check_csv
from coachcare.core.forms import service_errors_to_form
from coachcare.monitoring import charts, selectors, services
from coachcare.monitoring import indicators as ind
from coachcare.monitoring.forms import (
    ActionFollowUpForm,
    AnnotationForm,
    ComparisonUploadForm,
    FilterForm,
    PilotForm,
    QuarterlyReviewForm,
    ReferenceCostForm,
)
from coachcare.monitoring.models import Pilot, ReviewAction
from coachcare.municipalities import selectors as municipality_selectors
from coachcare.municipalities.models import Municipality, Region
from coachcare.providers.models import Provider


def _scope_from(request: HttpRequest, **owner: int | None) -> tuple[ind.Scope, FilterForm]:
    form = FilterForm(request.GET or None, modules=selectors.module_choices())
    date_from, date_to = form.period(today())
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    scope = ind.Scope(
        date_from=date_from,
        date_to=date_to,
        module_code=data.get("module", "") or "",
        age_band=data.get("age_band", "") or "",
        **owner,
    )
    return scope, form


def _tick_label(unit: str) -> Callable[[float], str]:
    if unit == ind.Unit.RATE:
        return charts.percent
    if unit == ind.Unit.CENTS:
        return lambda value: format_euros(round(value))
    return lambda value: f"{value:.0f}"


def _charts(figures: selectors.Figures) -> list[Any]:
    """One bar chart per charted indicator, per quarter; suppressed quarters draw no bar."""
    labels = figures.quarter_labels
    result = []
    for code in selectors.CHARTED:
        row = figures.row(code)
        unit = row.indicator.unit
        result.append(
            charts.bar_chart(
                title=str(row.indicator.name),
                labels=labels,
                values=[None if c.suppressed else c.value for c in row.cells],
                texts=[c.text for c in row.cells],
                chart_id=f"chart-{code}",
                tick_label=_tick_label(unit),
                top=1.0 if unit == ind.Unit.RATE else None,
            )
        )
    return result


def _own_municipality(actor: User, code: str | None, *, refusal: str) -> Municipality:
    """The actor's own municipality (``code``, when given, must be its code); ``policy.Refused``
    with ``refusal`` for who may not see its dashboard."""
    if not policy.can_see_municipality_dashboard(actor):
        raise policy.Refused(refusal)
    municipality = selectors.municipality_of(municipality_id=int(actor.municipality_id or 0))
    if municipality is None or (code is not None and municipality.code != code):
        raise Http404
    return municipality


@functools.lru_cache(maxsize=1024)
def _month_label(month: datetime.date, fmt: str, language: str | None) -> str:
    """``formats.date_format(month, fmt)`` in ``language`` (the active one, passed as part of the key):
    remembered per process, the forecast names its two dozen months twice."""
    return formats.date_format(month, fmt)


@login_required
@require_GET
def municipality_dashboard(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Reads only: the forecast and its alerts are stored by ``manage.py forecast_check`` (scheduled)."""
    actor = actor_of(request)
    municipality = _own_municipality(
        actor, code, refusal=_("Only the municipality's policy and access staff see this dashboard.")
    )
    outcome_scope = selectors.municipality_outcome_scope(municipality_id=municipality.pk)
    scope, form = _scope_from(request, **outcome_scope.owner)
    annotations = selectors.annotations_for(scope=scope, outcome_scope=outcome_scope)
    figures = selectors.figures_build(scope=scope, suppress=outcome_scope.suppress, annotations=annotations)
    forecast = selectors.forecast_of(municipality_id=municipality.pk)
    language = translation.get_language()
    forecast_chart = charts.line_chart(
        title=_("Expected against actual spending per month"),
        labels=[_month_label(m.month, "b Y", language) for m in forecast.months],  # "dec 2025"
        series=[
            (_("expected"), charts.LINE_EXPECTED, [m.expected_cents / 100 for m in forecast.months]),
            (_("actual"), charts.LINE_ACTUAL, [m.actual_cents / 100 for m in forecast.months]),
        ],
        chart_id="chart-forecast",
    )
    reference = selectors.reference_cost_of(municipality_id=municipality.pk)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "kind": "municipality",
            "title": _("Outcomes in %(name)s") % {"name": municipality.name},
            "municipality": municipality,
            "figures": figures,
            "charts": _charts(figures),
            "page_one": services.evidence_report_page_one_context(
                municipality=municipality, figures=figures, reference=reference
            ),
            "waiting_chart": services.waiting_chart(figures=figures),
            "form": form,
            "forecast": forecast,
            "forecast_chart": forecast_chart,
            "month_names": {m.month: _month_label(m.month, "F Y", language) for m in forecast.months},
            "alerts": selectors.forecast_alerts_of(municipality_id=municipality.pk),
            "reference": reference,
            "annotation_form": AnnotationForm(initial={"period_from": scope.date_from, "period_to": scope.date_to}),
            "reference_form": ReferenceCostForm() if policy.can_set_reference_cost(actor, municipality.pk) else None,
            "regions_led": [
                r
                for r in municipality_selectors.regions_led_by(municipality_id=municipality.pk)
                if policy.can_view_region_dashboard(actor, r.lead_municipality_id)
            ],
            "query": request.GET.urlencode(),
            "can_see_contract_budgets": policy.can_see_contract_budgets(actor),
        },
    )


@login_required
@require_GET
def region_dashboard(request: HttpRequest) -> HttpResponse:
    """The jeugdregio's dashboard: its member municipalities side by side and the region total, for
    the staff of the region's lead municipality (``policy.can_view_region_dashboard``); with
    ``?region=<number>`` when the municipality leads more than one region."""
    actor = actor_of(request)
    regions = (
        list(municipality_selectors.regions_led_by(municipality_id=actor.municipality_id))
        if actor.municipality_id is not None
        else []
    )
    regions = [r for r in regions if policy.can_view_region_dashboard(actor, r.lead_municipality_id)]
    if not regions:
        return HttpResponseForbidden(_("Only the staff of a region's lead municipality see the region's dashboard."))
    wanted = request.GET.get("region", "")
    region = next((r for r in regions if str(r.public_id) == wanted), regions[0])
    scope, form = _scope_from(request)
    figures = selectors.region_figures_build(region=region, scope=scope)
    return render(
        request,
        "monitoring/region.html",
        {
            "title": _("Outcomes in region %(name)s") % {"name": region.name},
            "region": region,
            "regions": regions,
            "figures": figures,
            "form": form,
            "can_see_contract_budgets": policy.can_see_contract_budgets(actor),
        },
    )


@login_required
@require_GET
def provider_dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_see_provider_dashboard(actor):
        return HttpResponseForbidden(_("Only team leads and the administrator see this dashboard."))
    outcome_scope = selectors.provider_outcome_scope(actor=actor)
    scope, form = _scope_from(request, **outcome_scope.owner)
    annotations = selectors.annotations_for(scope=scope, outcome_scope=outcome_scope)
    figures = selectors.figures_build(scope=scope, suppress=outcome_scope.suppress, annotations=annotations)
    title = _("Outcomes of %(team)s") % {"team": actor.team.name} if actor.team_id and actor.team else _("Outcomes")
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "kind": "provider",
            "title": title,
            "figures": figures,
            "charts": _charts(figures),
            "waiting_chart": services.waiting_chart(figures=figures),
            "form": form,
            "annotation_form": AnnotationForm(
                initial={"period_from": scope.date_from, "period_to": scope.date_to},
                share_choices=selectors.annotation_share_choices(actor=actor),
            )
            if actor.provider_id
            else None,
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def annotation_add(request: HttpRequest, kind: str) -> HttpResponse:
    actor = actor_of(request)
    form = AnnotationForm(
        request.POST, share_choices=selectors.annotation_share_choices(actor=actor) if kind == "provider" else None
    )
    target = "monitoring:municipality" if kind == "municipality" else "monitoring:provider"
    if not form.is_valid():
        messages.error(request, _("The comment was not saved: check the figure, the period and the text."))
        return redirect(target)
    municipality = None
    provider_id = None
    if kind == "municipality":
        if not policy.can_see_municipality_dashboard(actor):
            return HttpResponseForbidden(_("Only the municipality's staff annotate its figures."))
        municipality = Municipality.objects.get(pk=int(actor.municipality_id or 0))
    else:
        if not policy.can_see_provider_dashboard(actor) or actor.provider_id is None:
            return HttpResponseForbidden(_("Only the provider's staff annotate its figures."))
        provider_id = actor.provider_id
    try:
        services.annotation_create(
            actor=actor,
            indicator_code=form.cleaned_data["indicator_code"],
            period_from=form.cleaned_data["period_from"],
            period_to=form.cleaned_data["period_to"],
            text=form.cleaned_data["text"],
            municipality=municipality,
            provider_id=provider_id,
            shared_with=Municipality.objects.get(pk=form.cleaned_data["shared_with"])
            if form.cleaned_data.get("shared_with")
            else None,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(target)
    messages.success(request, _("Your comment is shown next to the figure."))
    return redirect(target)


@login_required
@require_POST
def reference_cost(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_set_reference_cost(actor):
        return HttpResponseForbidden(_("Only the municipality's policy staff set the reference cost."))
    form = ReferenceCostForm(request.POST)
    if form.is_valid():
        amount: Decimal = form.cleaned_data["amount"]
        services.reference_cost_set(
            actor=actor,
            municipality=Municipality.objects.get(pk=int(actor.municipality_id or 0)),
            amount_cents=int(amount * 100),
            description=form.cleaned_data["description"],
        )
        messages.success(request, _("The reference cost is saved."))
    else:
        messages.error(request, _("Enter an amount in euro."))
    return redirect("monitoring:municipality")


@login_required
@require_http_methods(["GET"])
def evidence_report(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in {"csv", "pdf"}:
        raise Http404(_("The report is a PDF or a CSV file."))
    actor = actor_of(request)
    municipality = _own_municipality(
        actor, None, refusal=_("Only the municipality's policy and access staff download its report.")
    )
    scope, _form = _scope_from(request, municipality_id=municipality.pk)
    report = services.evidence_report_build(
        municipality=municipality,
        date_from=scope.date_from,
        date_to=scope.date_to,
        module_code=scope.module_code,
        age_band=scope.age_band,
    )
    name = f"evidence-{municipality.code}-{scope.date_from:%Y%m%d}-{scope.date_to:%Y%m%d}"
    return _report_download(report, name=name, as_csv=fmt == "csv")


def _report_download(report: services.EvidenceReport, *, name: str, as_csv: bool) -> HttpResponse:
    """A report as an attachment: its PDF, or its tables as CSV."""
    if as_csv:
        response = HttpResponse(report.csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    response = HttpResponse(report.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


def _review_form(actor: User, data: Any = None) -> QuarterlyReviewForm | None:
    counterparts = selectors.review_counterparts(actor=actor)
    if not counterparts:
        return None
    label = _("Provider") if actor.municipality_id is not None else _("Municipality")
    return QuarterlyReviewForm(data, counterparts=counterparts, counterpart_label=label)


@login_required
@require_http_methods(["GET", "POST"])
def quarterly_reviews(request: HttpRequest) -> HttpResponse:
    """The kwartaalgesprekken of one's municipality or provider; the parties record a new one here."""
    actor = actor_of(request)
    if not policy.can_see_quarterly_reviews(actor):
        return HttpResponseForbidden(_("Only the municipality's staff and the provider's leads see the reviews."))
    form = _review_form(actor, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form is None:
            return HttpResponseForbidden(_("You cannot record a review."))
        if form.is_valid():
            data = form.cleaned_data
            if actor.municipality_id is not None:
                municipality = Municipality.objects.get(pk=actor.municipality_id)
                provider = Provider.objects.get(pk=data["counterpart"])
            else:
                municipality = Municipality.objects.get(pk=data["counterpart"])
                provider = Provider.objects.get(pk=int(actor.provider_id or 0))
            actions = [
                services.AgreedAction(description=str(a.value()), owner=str(o.value()), due_on=data[d.name])
                for a, o, d in form.action_rows()
                if data.get(a.name)
            ]
            try:
                services.quarterly_review_record(
                    actor=actor,
                    municipality=municipality,
                    provider=provider,
                    held_on=data["held_on"],
                    participants=data["participants"],
                    summary=data["summary"],
                    actions=actions,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The review is recorded."))
                return redirect("monitoring:quarterly_reviews")
    reviews = list(selectors.quarterly_reviews_visible_to(actor))
    may: dict[tuple[int, int], bool] = {}  # one policy check per pair of parties, not per review
    for review in reviews:
        pair = (review.municipality_id, review.provider_id)
        if pair not in may:
            may[pair] = policy.can_record_quarterly_review(actor, municipality_id=pair[0], provider_id=pair[1])
        may_follow_up = may[pair]
        for action in review.actions.all():
            action.form = (
                None
                if not may_follow_up
                else ActionFollowUpForm(
                    prefix=f"action{action.pk}", initial={"status": action.status, "follow_up": action.follow_up}
                )
            )
    return render(request, "monitoring/quarterly_reviews.html", {"reviews": reviews, "form": form})


@login_required
@require_POST
def review_action_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    action = (
        ReviewAction.objects.select_related("review")
        .filter(pk=pk, review__in=selectors.quarterly_reviews_visible_to(actor))
        .first()
    )
    if action is None:
        raise Http404(_("There is no such action."))
    form = ActionFollowUpForm(request.POST, prefix=f"action{pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("monitoring:quarterly_reviews")
    services.review_action_follow_up(
        actor=actor, action=action, status=form.cleaned_data["status"], follow_up=form.cleaned_data["follow_up"]
    )
    messages.success(request, _("The follow-up is saved."))
    return redirect("monitoring:quarterly_reviews")


def _pilot_form(actor: User, data: Any = None) -> PilotForm | None:
    counterparts = selectors.review_counterparts(actor=actor)  # the parties under contract
    if not counterparts:
        return None
    label = _("Provider") if actor.municipality_id is not None else _("Municipality")
    return PilotForm(data, counterparts=counterparts, counterpart_label=label)


def _pilot_rows(actor: User, pilots: Any) -> list[dict[str, Any]]:
    """Per pilot what the actor may do with it (policy questions only: no query per pilot)."""
    rows = []
    for pilot in pilots:
        owner = selectors.pilot_owner(pilot=pilot)
        rows.append(
            {
                "pilot": pilot,
                "owner_name": selectors.pilot_owner_name(pilot=pilot),
                "may_define": policy.can_define_pilot(actor, provider_id=pilot.provider_id, **owner),
                "outcomes": [str(ind.BY_CODE[code].name) for code in pilot.primary_outcomes],
                "may_import": policy.can_import_pilot_comparison(actor, **owner),
            }
        )
    return rows


def _create_pilot(request: HttpRequest, actor: User, form: PilotForm, **owner: Any) -> HttpResponse | None:
    """Propose the pilot of the valid ``form`` for ``owner`` (municipality or region); ``None``
    when the service refused it (its errors are then on the form)."""
    try:
        services.pilot_create(actor=actor, **owner, **form.definition())
    except ValidationError as error:
        service_errors_to_form(
            form, error, rename={"planned_effects": "planned_effect", "reference_cost_cents": "reference_cost"}
        )
    else:
        messages.success(request, _("The pilot is proposed: both sides confirm it before the start."))
        return redirect(request.get_full_path())
    return None


@login_required
@require_http_methods(["GET", "POST"])
def pilots(request: HttpRequest) -> HttpResponse:
    """The pilots of one's municipality (and the regions it leads) or provider; the parties define
    a new municipality pilot here (a region's pilot on ``region_pilots``)."""
    actor = actor_of(request)
    if not policy.can_see_quarterly_reviews(actor):
        return HttpResponseForbidden(_("Only the municipality's staff and the provider's leads see the pilots."))
    form = _pilot_form(actor, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form is None:
            return HttpResponseForbidden(_("You cannot define a pilot."))
        if form.is_valid():
            if actor.municipality_id is not None:
                municipality = Municipality.objects.get(pk=actor.municipality_id)
                provider = Provider.objects.get(pk=form.cleaned_data["counterpart"])
            else:
                municipality = Municipality.objects.get(pk=form.cleaned_data["counterpart"])
                provider = Provider.objects.get(pk=int(actor.provider_id or 0))
            response = _create_pilot(request, actor, form, municipality=municipality, provider=provider)
            if response is not None:
                return response
    rows = _pilot_rows(actor, selectors.pilots_visible_to(actor))
    return render(request, "monitoring/pilots.html", {"rows": rows, "form": form, "region": None})


def _regions_of(actor: User) -> list[Region]:
    """The regions whose dashboard (and pilots) the actor sees: those its municipality leads."""
    if actor.municipality_id is None:
        return []
    regions = municipality_selectors.regions_led_by(municipality_id=actor.municipality_id)
    return [r for r in regions if policy.can_view_region_dashboard(actor, r.lead_municipality_id)]


@login_required
@require_http_methods(["GET", "POST"])
def region_pilots(request: HttpRequest) -> HttpResponse:
    """The pilots of a jeugdregio (``?region=<number>``, linked from the region's dashboard): the
    staff of its lead municipality see them; its policy staff propose one with a provider under
    one of the region's contracts (``policy.can_confirm_pilot_for_region``)."""
    actor = actor_of(request)
    regions = _regions_of(actor)
    if not regions:
        return HttpResponseForbidden(_("Only the staff of a region's lead municipality see the region's pilots."))
    wanted = request.GET.get("region", "")
    region = next((r for r in regions if str(r.public_id) == wanted), regions[0])
    counterparts = selectors.region_pilot_counterparts(region=region)
    form = None
    if counterparts and policy.can_confirm_pilot_for_region(actor, region.lead_municipality_id):
        form = PilotForm(
            request.POST if request.method == "POST" else None,
            counterparts=counterparts,
            counterpart_label=_("Provider"),
        )
    if request.method == "POST":
        if form is None:
            return HttpResponseForbidden(_("You cannot define a pilot."))
        if form.is_valid():
            provider = Provider.objects.get(pk=form.cleaned_data["counterpart"])
            response = _create_pilot(request, actor, form, region=region, provider=provider)
            if response is not None:
                return response
    rows = _pilot_rows(actor, selectors.pilots_visible_to(actor).filter(region=region))
    context = {"rows": rows, "form": form, "region": region, "regions": regions}
    return render(request, "monitoring/pilots.html", context)


def _back_to_pilots(actor: User, pilot: Pilot) -> HttpResponse:
    """After a step: the region's pilots for its lead municipality's staff, else one's pilots."""
    if pilot.region is not None and policy.can_view_region_dashboard(actor, pilot.region.lead_municipality_id):
        return redirect(f"{reverse('monitoring:region_pilots')}?region={pilot.region.public_id}")
    return redirect("monitoring:pilots")


@login_required
@require_GET
def pilot_report(request: HttpRequest, pilot_id: int) -> HttpResponse:
    """The report of one started pilot as a PDF (or ``?format=csv``: its table), for whoever sees
    the pilot: the owner's staff and the provider's leads. Aggregated figures only."""
    actor = actor_of(request)
    pilot = selectors.pilots_visible_to(actor).filter(pk=pilot_id, started_at__isnull=False).first()
    if pilot is None:
        raise Http404(_("There is no such pilot, or it has not started."))
    report = services.pilot_report_build(pilot=pilot)
    name = f"pilot-{pilot.pk}-{today():%Y%m%d}"
    return _report_download(report, name=name, as_csv=request.GET.get("format") == "csv")


@login_required
@require_http_methods(["GET", "POST"])
def pilot_comparison(request: HttpRequest, pilot_id: int) -> HttpResponse:
    """Upload the usual-care comparison group of a pilot (the municipality's policy staff): checked
    by ``core.files.upload_check_csv`` and imported all or nothing by the same service as the
    command ``import_comparison``; the problems per line and column are shown. The file is read in
    memory and never stored (only its SHA-256, by the service)."""
    actor = actor_of(request)
    pilot = selectors.pilots_visible_to(actor).filter(pk=pilot_id).first()
    if pilot is None or not policy.can_import_pilot_comparison(actor, **selectors.pilot_owner(pilot=pilot)):
        raise Http404(_("There is no such pilot."))
    form = ComparisonUploadForm(request.POST or None, request.FILES or None)
    problems: list[tuple[int, str, str]] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                data = upload_check_csv(upload=form.cleaned_data["file"])
                count = services.pilot_comparison_import(pilot=pilot, data=data)
            except services.ComparisonImportError as error:
                problems = error.problems
                form.add_error("file", _("Nothing was imported: correct the problems below and upload the file again."))
            except ValidationError as error:
                service_errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("%(count)s comparison trajectories imported for the pilot %(name)s.")
                    % {"count": count, "name": pilot.name},
                )
                return redirect("monitoring:pilot_comparison", pilot_id=pilot.pk)
    count = selectors.comparison_count_of(pilot=pilot)
    back = (
        f"{reverse('monitoring:region_pilots')}?region={pilot.region.public_id}"
        if pilot.region is not None
        else reverse("monitoring:pilots")
    )
    context = {"pilot": pilot, "form": form, "problems": problems, "comparison_count": count, "back": back}
    return render(request, "monitoring/pilot_comparison.html", context, status=status)


@login_required
@require_POST
def pilot_step(request: HttpRequest, pilot_id: int, step: str) -> HttpResponse:
    """Confirm a pilot's definition for one's own side, or start it once both sides confirmed it."""
    actor = actor_of(request)
    pilot = selectors.pilots_visible_to(actor).filter(pk=pilot_id).first()
    if pilot is None or step not in {"confirm", "start"}:
        raise Http404(_("There is no such pilot."))
    try:
        if step == "confirm":
            services.pilot_confirm(actor=actor, pilot=pilot)
            messages.success(request, _("You confirmed the definition of the pilot."))
        else:
            services.pilot_start(actor=actor, pilot=pilot)
            messages.success(request, _("The pilot has started: its definition is fixed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to_pilots(actor, pilot)
