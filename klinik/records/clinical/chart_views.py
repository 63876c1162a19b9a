"""The record's chart tabs: measurements with their chart, vaccinations and the DDV export
page (the coding tabs are in views.py).

Thin: parse → records.access / selector / service → page or htmx section. Reads go through
records.access (logged). A write to a row is checked and logged by its service; a section
shown again after a refused write is a read, so it goes through records.access first (the
refused write's own log entry rolled back with it). How a tab answers a write is the same for
all of them (sections.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.patients.models import Patient
from klinik.patients.views import break_glass_on_refusal
from klinik.records.clinical import chart, ddv, selectors, services
from klinik.records.clinical.forms import (
    MeasurementForm,
    VaccinationForm,
)
from klinik.records.clinical.sections import (
    Section,
    row_write,
    tab_section,
    tab_view,
)
from klinik.records.models import Measurement, Vaccination
from klinik.terminology.choices import HitKind

SEARCH_KINDS = {"diagnosis": HitKind.DIAGNOSIS, "procedure": HitKind.PROCEDURE}


# Measurements ------------------------------------------------------------------------------------


def _measurements_context(patient: Patient, form: MeasurementForm | None = None) -> dict[str, Any]:
    rows = selectors.measurements_with_bmi(patient=patient)
    return {
        "patient": patient,
        "measurements": rows,
        "latest": selectors.measurements_latest(rows=rows),
        "chart": chart.measurement_chart(patient=patient),
        "measurement_form": form or MeasurementForm(auto_id="measurement-%s"),
    }


def _measurements_section(request: ActorRequest, patient: Patient) -> Section:
    return tab_section(
        request,
        "records/partials/_clinical_measurements.html",
        lambda form: _measurements_context(patient, form),
    )


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
@break_glass_on_refusal
def measurements_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The measurements tab; POST records one measurement (checked for plausibility)."""
    return tab_view(
        request,
        public_id,
        "measurements",
        context=_measurements_context,
        form=lambda patient, data: MeasurementForm(data, auto_id="measurement-%s"),
        write=lambda patient, form, data: services.measurement_record(
            actor=request.actor,
            patient=patient,
            kind=data["kind"],
            value=data["value"],
            value2=data["value2"] or None,
            measured_at=data["measured_at"],
        ),
        section=_measurements_section,
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def measurement_error_view(request: ActorRequest, measurement_id: uuid.UUID) -> HttpResponse:
    """Mark a measurement entered in error (with the reason)."""
    return row_write(
        request,
        Measurement.objects.all(),
        measurement_id,
        lambda measurement: services.measurement_mark_error(
            actor=request.actor, measurement=measurement, reason=request.POST.get("reason", "")
        ),
        url_name="record_measurements",
        section=_measurements_section,
        object_type="measurements",
    )


# Vaccinations ------------------------------------------------------------------------------------


def _vaccination_form(patient: Patient, data: Any = None, actor: Any = None) -> VaccinationForm:
    people = selectors.vaccinators(organisation_id=patient.organisation_id)
    form = VaccinationForm(data, auto_id="vaccination-%s", vaccinators=people)
    if actor is not None and any(u.pk == actor.user.pk for u in people):
        form.fields["given_by"].initial = str(actor.user.public_id)
    return form


def _vaccinations_context(
    request: ActorRequest, patient: Patient, form: VaccinationForm | None = None
) -> dict[str, Any]:
    return {
        "patient": patient,
        "vaccinations": selectors.patient_vaccinations(patient=patient),
        "vaccination_form": form or _vaccination_form(patient, actor=request.actor),
        "can_export": request.actor.can(Perm.PATIENT_EXPORT),
    }


def _vaccinations_section(request: ActorRequest, patient: Patient) -> Section:
    return tab_section(
        request,
        "records/partials/_clinical_vaccinations.html",
        lambda form: _vaccinations_context(request, patient, form),
    )


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
@break_glass_on_refusal
def vaccinations_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The vaccinations tab; POST records a vaccine given."""
    return tab_view(
        request,
        public_id,
        "vaccinations",
        context=lambda patient, form: _vaccinations_context(request, patient, form),
        form=lambda patient, data: _vaccination_form(patient, data, actor=request.actor),
        write=lambda patient, form, data: services.vaccination_record(
            actor=request.actor,
            patient=patient,
            vaccine=data["vaccine"],
            atc_code=data["atc_code"],
            batch_number=data["batch_number"],
            dose=data["dose"],
            site=data["site"],
            given_on=data["given_on"],
            given_by=form.given_by_user(),
        ),
        section=_vaccinations_section,
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def vaccination_error_view(request: ActorRequest, vaccination_id: uuid.UUID) -> HttpResponse:
    """Mark a vaccination entered in error (with the reason)."""
    return row_write(
        request,
        Vaccination.objects.all(),
        vaccination_id,
        lambda vaccination: services.vaccination_mark_error(
            actor=request.actor, vaccination=vaccination, reason=request.POST.get("reason", "")
        ),
        url_name="record_vaccinations",
        section=_vaccinations_section,
        object_type="vaccinations",
    )


# The DDV export ----------------------------------------------------------------------------------


@requires(Perm.PATIENT_EXPORT)
@require_http_methods(["GET", "POST"])
def vaccination_reports_view(request: ActorRequest) -> HttpResponse:
    """What waits for the vaccination register, the export button and the batches sent."""
    actor = request.actor
    organisation = actor.organisation
    if organisation is None:
        raise Http404
    if request.method == "POST":
        export = ddv.vaccinations_export_ddv(actor=actor, organisation=organisation)
        if export.batch is None:
            messages.info(request, _("There is nothing to report."))
            return redirect("vaccination_reports")
        messages.success(
            request,
            ngettext(
                "%(count)d vaccination marked as reported. Download the file below.",
                "%(count)d vaccinations marked as reported. Download the file below.",
                len(export.rows),
            )
            % {"count": len(export.rows)},
        )
        return redirect(f"{reverse('vaccination_reports')}?batch={export.batch}")
    return render(
        request,
        "records/vaccination_reports.html",
        {
            "unreported": ddv.vaccinations_unreported_count(organisation=organisation),
            "batches": ddv.vaccination_report_batches(actor=actor, organisation=organisation),
            "new_batch": request.GET.get("batch", ""),
        },
    )


@requires(Perm.PATIENT_EXPORT)
@require_GET
def vaccination_report_download_view(
    request: ActorRequest, batch: uuid.UUID, fmt: str
) -> HttpResponse:
    """One batch's file (JSON or CSV), rebuilt from its rows; each download is logged per
    patient."""
    if fmt not in {"json", "csv"} or request.actor.organisation is None:
        raise Http404
    export = ddv.vaccination_report_again(
        actor=request.actor, organisation=request.actor.organisation, batch=batch
    )
    if export is None or export.exported_at is None:
        raise Http404
    stamp = timezone.localtime(export.exported_at).strftime("%Y%m%d-%H%M")
    if fmt == "json":
        response = HttpResponse(export.as_json(), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(export.as_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ddv-{stamp}-{batch.hex[:8]}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
