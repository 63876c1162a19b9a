"""The record's clinical tabs: diagnoses and procedures per contact, the problem list and
warnings (coding), and each contact's LPR3 fields (chart_views.py has measurements,
vaccinations and the DDV export page).

Thin: parse → records.access / selector / service → page or htmx section. Reads go through
records.access (logged). A write to a row is checked and logged by its service; a section
shown again after a refused write is a read, so it goes through records.access first (the
refused write's own log entry rolled back with it). How a tab answers a write is the same for
all of them (sections.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.patients.models import Patient
from klinik.patients.views import break_glass_on_refusal
from klinik.records.access import contact_for_write
from klinik.records.choices import LPR_PRIORITY_PREFIX, LPR_REASON_PREFIX, LPR_TYPE_PREFIX
from klinik.records.clinical import lpr, selectors, services
from klinik.records.clinical.forms import (
    CodeRemoveForm,
    ContactLprForm,
    DiagnosisForm,
    LprChoices,
    ProcedureForm,
    ProcedureRemoveForm,
    StayForm,
    StayRemoveForm,
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
)
from klinik.records.errors import RecordCode
from klinik.records.header import patient_warnings, record_frame, record_patient
from klinik.records.models import Contact, PatientWarning, Problem
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
