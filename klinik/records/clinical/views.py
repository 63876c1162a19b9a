"""The record's clinical tabs: diagnoses and procedures per contact, the problem list and
warnings (coding), measurements with their chart, vaccinations, and the DDV export page.

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

from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.patients.models import Patient
from klinik.patients.views import break_glass_on_refusal
from klinik.records.access import contact_for_write
from klinik.records.choices import LPR_PRIORITY_PREFIX, LPR_REASON_PREFIX, LPR_TYPE_PREFIX
from klinik.records.clinical import chart, ddv, lpr, selectors, services
from klinik.records.clinical.forms import (
    CodeRemoveForm,
    ContactLprForm,
    DiagnosisForm,
    LprChoices,
    MeasurementForm,
    ProcedureForm,
    ProcedureRemoveForm,
    StayForm,
    StayRemoveForm,
    VaccinationForm,
    contact_lpr_form,
    diagnosis_form,
    problem_form,
    procedure_form,
    stay_form,
    warning_form,
)
from klinik.records.clinical.sections import (
    Section,
    after_write,
    attempt,
    form_write,
    row_write,
    tab_section,
    tab_view,
)
from klinik.records.errors import RecordCode
from klinik.records.header import patient_warnings, record_frame, record_patient
from klinik.records.models import Contact, Measurement, PatientWarning, Problem, Vaccination
from klinik.terminology.choices import HitKind
from klinik.terminology.selectors import code_choices

SEARCH_KINDS = {"diagnosis": HitKind.DIAGNOSIS, "procedure": HitKind.PROCEDURE}


# Coding ------------------------------------------------------------------------------------------


class _LprLists:
    """The LPR value lists and the organisation's units, read once per request."""

    def __init__(self, request: ActorRequest, organisation_id: int) -> None:
        self.choices = LprChoices(
            types=code_choices(prefix=LPR_TYPE_PREFIX),
            priorities=code_choices(prefix=LPR_PRIORITY_PREFIX),
            reasons=code_choices(prefix=LPR_REASON_PREFIX),
        )
        self.units = [
            (str(pk), name)
            for pk, name in Unit.objects.filter(organisation_id=organisation_id)
            .order_by("name")
            .values_list("pk", "name")
        ]


def _coding_forms_attach(
    contact: Contact,
    *,
    dx_form: DiagnosisForm,
    px_form: ProcedureForm,
    lists: _LprLists,
    lpr_form: ContactLprForm | None = None,
    st_form: StayForm | None = None,
    confirm_replace: bool = False,
    error: str = "",
) -> None:
    """Give a contact what _clinical_contact.html shows beside its codes: the coding forms,
    the LPR forms, whether to ask before replacing the main diagnosis, and a refusal. Only the
    template reads these, so they are set here, in one place, rather than declared on the
    model."""
    vars(contact).update(
        dx_form=dx_form,
        px_form=px_form,
        lpr_form=lpr_form or contact_lpr_form(contact, lists.choices),
        st_form=st_form or stay_form(contact, lists.units),
        confirm_replace=confirm_replace,
        section_error=error,
    )


def _contact_section(request: ActorRequest, contact: Contact) -> Section:
    def render_section(
        *,
        error: str = "",
        status: int = 200,
        dx_form: DiagnosisForm | None = None,
        px_form: ProcedureForm | None = None,
        lpr_form: ContactLprForm | None = None,
        st_form: StayForm | None = None,
        confirm_replace: bool = False,
    ) -> HttpResponse:
        fresh = selectors.contacts_with_coding(patient=contact.patient, contact=contact)[0]
        _coding_forms_attach(
            fresh,
            dx_form=dx_form or diagnosis_form(fresh),
            px_form=px_form or procedure_form(fresh),
            lists=_LprLists(request, fresh.organisation_id),
            lpr_form=lpr_form,
            st_form=st_form,
            confirm_replace=confirm_replace,
            error=error,
        )
        return render(
            request,
            "records/partials/_clinical_contact.html",
            {"c": fresh, "patient": contact.patient, "can_write": True},
            status=status,
        )

    return render_section


def _coding_context(request: ActorRequest, patient: Patient, **forms: Any) -> dict[str, Any]:
    contacts = selectors.contacts_with_coding(patient=patient)
    refused = forms.get("contact")
    lists = _LprLists(request, patient.organisation_id)
    for contact in contacts:
        own = forms if refused is not None and contact.pk == refused.pk else {}
        _coding_forms_attach(
            contact,
            dx_form=own.get("dx_form") or diagnosis_form(contact),
            px_form=own.get("px_form") or procedure_form(contact),
            lists=lists,
            lpr_form=own.get("lpr_form"),
            st_form=own.get("st_form"),
            confirm_replace=own.get("confirm_replace", False),
        )
    return record_frame(
        request,
        patient,
        "coding",
        contacts=contacts,
        problems=selectors.patient_problems(patient=patient),
        problem_form=forms.get("problem_form") or problem_form(),
        warnings_all=patient_warnings(patient=patient, active_only=False),
        warning_form=forms.get("warning_form") or warning_form(),
    )


@requires(Perm.RECORD_READ)
@require_GET
@break_glass_on_refusal
def coding_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """Contacts with their diagnoses and procedures, the problem list and the warnings."""
    patient = record_patient(request, public_id, object_type="coding")
    return render(request, "records/coding.html", _coding_context(request, patient))


@requires(Perm.RECORD_WRITE)
@require_POST
def code_search_view(request: ActorRequest, kind: str) -> HttpResponse:
    """htmx type-ahead of the code pickers: SKS codes of one kind for the typed code or text.
    POSTed so the typed words stay out of URLs and logs; no patient data involved."""
    if kind not in SEARCH_KINDS:
        raise Http404
    query = request.POST.get("code") or request.POST.get("q") or ""
    hits = selectors.code_search(query=query, kind=SEARCH_KINDS[kind])
    return render(
        request,
        "records/partials/_clinical_code_hits.html",
        {"hits": hits, "query": query.strip(), "kind": kind},
    )


def _contact_refused(request: ActorRequest, contact: Contact, **forms: Any) -> HttpResponse:
    """A refused coding form: the contact's card (htmx) or the page, with the errors."""
    patient = record_patient(request, contact.patient.public_id, object_type="coding")
    if request.htmx:
        return _contact_section(request, contact)(status=422, **forms)
    return _coding_page(request, patient, contact=contact, **forms)


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def diagnosis_add_view(request: ActorRequest, contact_id: uuid.UUID) -> HttpResponse:
    """Code a diagnosis; a second main diagnosis asks for confirmation (replace_main)."""
    contact = contact_for_write(actor=request.actor, public_id=contact_id)
    form = diagnosis_form(contact, request.POST)
    confirm = False
    if form.is_valid():
        error = attempt(
            lambda: services.contact_diagnosis_add(
                actor=request.actor,
                contact=contact,
                code=form.cleaned_data["code"],
                kind=form.cleaned_data["kind"],
                replace_main=form.cleaned_data["replace_main"],
            )
        )
        if error is None:
            return after_write(
                request,
                contact.patient,
                reverse("record_coding", args=[contact.patient.public_id]),
                _contact_section(request, contact),
                error=None,
                object_type="coding",
            )
        form_error_add(form, error)
        confirm = error.code == RecordCode.MAIN_EXISTS
    return _contact_refused(request, contact, dx_form=form, confirm_replace=confirm)


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def diagnosis_remove_view(request: ActorRequest, contact_id: uuid.UUID) -> HttpResponse:
    contact = contact_for_write(actor=request.actor, public_id=contact_id)
    form = CodeRemoveForm(request.POST)
    if not form.is_valid():
        raise Http404
    error = attempt(
        lambda: services.contact_diagnosis_remove(
            actor=request.actor, contact=contact, code=form.cleaned_data["code"]
        )
    )
    return after_write(
        request,
        contact.patient,
        reverse("record_coding", args=[contact.patient.public_id]),
        _contact_section(request, contact),
        error=error,
        object_type="coding",
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def procedure_add_view(request: ActorRequest, contact_id: uuid.UUID) -> HttpResponse:
    contact = contact_for_write(actor=request.actor, public_id=contact_id)
    form = procedure_form(contact, request.POST)
    if form.is_valid():
        error = attempt(
            lambda: services.contact_procedure_add(
                actor=request.actor, contact=contact, code=form.cleaned_data["code"]
            )
        )
        if error is None:
            return after_write(
                request,
                contact.patient,
                reverse("record_coding", args=[contact.patient.public_id]),
                _contact_section(request, contact),
                error=None,
                object_type="coding",
            )
        form_error_add(form, error)
    return _contact_refused(request, contact, px_form=form)


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def procedure_remove_view(request: ActorRequest, contact_id: uuid.UUID) -> HttpResponse:
    contact = contact_for_write(actor=request.actor, public_id=contact_id)
    form = ProcedureRemoveForm(request.POST)
    if not form.is_valid():
        raise Http404
    error = attempt(
        lambda: services.contact_procedure_remove(
            actor=request.actor, contact=contact, procedure_id=form.cleaned_data["procedure"]
        )
    )
    return after_write(
        request,
        contact.patient,
        reverse("record_coding", args=[contact.patient.public_id]),
        _contact_section(request, contact),
        error=error,
        object_type="coding",
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def contact_lpr_view(request: ActorRequest, contact_id: uuid.UUID) -> HttpResponse:
    """Register the contact's LPR3 type, priority and kontaktårsag."""
    contact = contact_for_write(actor=request.actor, public_id=contact_id)
    form = contact_lpr_form(
        contact, _LprLists(request, contact.organisation_id).choices, request.POST
    )
    if form.is_valid():
        error = attempt(
            lambda: lpr.contact_lpr_update(
                actor=request.actor,
                contact=contact,
                lpr_type=form.cleaned_data["lpr_type"],
                priority=form.cleaned_data["priority"],
                reason=form.cleaned_data["reason"],
            )
        )
        if error is None:
            return _contact_written(request, contact)
        form_error_add(form, error)
    return _contact_refused(request, contact, lpr_form=form)


def _contact_written(request: ActorRequest, contact: Contact) -> HttpResponse:
    return after_write(
        request,
        contact.patient,
        reverse("record_coding", args=[contact.patient.public_id]),
        _contact_section(request, contact),
        error=None,
        object_type="coding",
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def contact_stay_add_view(request: ActorRequest, contact_id: uuid.UUID) -> HttpResponse:
    """Add an opholdsadresse (unit and period) to the contact."""
    contact = contact_for_write(actor=request.actor, public_id=contact_id)
    form = stay_form(contact, _LprLists(request, contact.organisation_id).units, request.POST)
    if form.is_valid():
        unit = Unit.objects.get(
            organisation_id=contact.organisation_id, pk=int(form.cleaned_data["unit"])
        )
        error = attempt(
            lambda: lpr.contact_stay_add(
                actor=request.actor,
                contact=contact,
                unit=unit,
                started_at=form.cleaned_data["started_at"],
                ended_at=form.cleaned_data["ended_at"],
            )
        )
        if error is None:
            return _contact_written(request, contact)
        form_error_add(form, error)
    return _contact_refused(request, contact, st_form=form)


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def contact_stay_remove_view(request: ActorRequest, contact_id: uuid.UUID) -> HttpResponse:
    contact = contact_for_write(actor=request.actor, public_id=contact_id)
    form = StayRemoveForm(request.POST)
    if not form.is_valid():
        raise Http404
    error = attempt(
        lambda: lpr.contact_stay_remove(
            actor=request.actor, contact=contact, stay_id=form.cleaned_data["stay"]
        )
    )
    return after_write(
        request,
        contact.patient,
        reverse("record_coding", args=[contact.patient.public_id]),
        _contact_section(request, contact),
        error=error,
        object_type="coding",
    )


def _problems_section(request: ActorRequest, patient: Patient) -> Section:
    return tab_section(
        request,
        "records/partials/_clinical_problems.html",
        lambda form: {
            "patient": patient,
            "problems": selectors.patient_problems(patient=patient),
            "problem_form": form or problem_form(),
        },
    )


def _coding_page(request: ActorRequest, patient: Patient, **forms: Any) -> HttpResponse:
    context = _coding_context(request, patient, **forms)
    return render(request, "records/coding.html", context, status=422)


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def problem_add_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    patient = record_patient(request, public_id, object_type="coding", perm=Perm.RECORD_WRITE)
    return form_write(
        request,
        patient,
        problem_form(request.POST),
        lambda data: services.problem_add(
            actor=request.actor,
            patient=patient,
            text=data["text"],
            code=data["code"],
            onset=data["onset"],
        ),
        url=reverse("record_coding", args=[patient.public_id]),
        section=_problems_section(request, patient),
        object_type="coding",
        page=lambda form: _coding_page(request, patient, problem_form=form),
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def problem_status_view(request: ActorRequest, problem_id: uuid.UUID, action: str) -> HttpResponse:
    """Resolve or reopen a problem on the list."""
    service = {"resolve": services.problem_resolve, "reopen": services.problem_reopen}.get(action)
    if service is None:
        raise Http404
    return row_write(
        request,
        Problem.objects.all(),
        problem_id,
        lambda problem: service(actor=request.actor, problem=problem),
        url_name="record_coding",
        section=_problems_section,
        object_type="coding",
    )


def _warnings_section(request: ActorRequest, patient: Patient) -> Section:
    return tab_section(
        request,
        "records/partials/_clinical_warnings.html",
        lambda form: {
            "patient": patient,
            "warnings_all": patient_warnings(patient=patient, active_only=False),
            "warning_form": form or warning_form(),
        },
        # The patient header shows the warnings too: app.js reloads the page on this.
        notify="patient-changed",
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def warning_add_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    patient = record_patient(request, public_id, object_type="coding", perm=Perm.RECORD_WRITE)
    return form_write(
        request,
        patient,
        warning_form(request.POST),
        lambda data: services.warning_add(actor=request.actor, patient=patient, **data),
        url=reverse("record_coding", args=[patient.public_id]),
        section=_warnings_section(request, patient),
        object_type="coding",
        page=lambda form: _coding_page(request, patient, warning_form=form),
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def warning_inactivate_view(request: ActorRequest, warning_id: uuid.UUID) -> HttpResponse:
    return row_write(
        request,
        PatientWarning.objects.all(),
        warning_id,
        lambda warning: services.warning_inactivate(
            actor=request.actor, warning=warning, reason=request.POST.get("reason", "")
        ),
        url_name="record_coding",
        section=_warnings_section,
        object_type="coding",
    )


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
