"""How a clinical tab answers: a tab page with an add form, and a write to one row answered
with the tab's htmx section again (or, without htmx, the page). The views in views.py say what
each tab shows and which service writes; these helpers do the rest the same way for all."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm
from klinik.patients.models import Patient
from klinik.records.access import record_row_for_write
from klinik.records.header import record_frame, record_patient

Section = Callable[..., HttpResponse]


def after_write(
    request: ActorRequest,
    patient: Patient,
    url: str,
    section: Section,
    *,
    error: DomainError | None,
    object_type: str,
) -> HttpResponse:
    """After a write to a row: htmx gets the section back, a plain post goes back to the page."""
    if error is not None:
        record_patient(request, patient.public_id, object_type=object_type)
        if not request.htmx:
            messages.error(request, error.message)
            return redirect(url)
        return section(error=error.message, status=422)
    if request.htmx:
        return section()
    return redirect(url)


def attempt(call: Callable[[], object]) -> DomainError | None:
    """The refusal of a write, the record's own or one a hook raised inside it (purchasing
    refusing an expired lot for a vaccination)."""
    try:
        call()
    except DomainError as exc:
        return exc
    return None


def tab_section(
    request: ActorRequest,
    template: str,
    context: Callable[[Any], dict[str, Any]],
    *,
    notify: str = "",
) -> Section:
    """A tab's htmx section: `context(form)` fills it, with the error of a refused write.
    `notify` is an HX-Trigger event sent after a successful change."""

    def render_section(*, error: str = "", status: int = 200, form: Any = None) -> HttpResponse:
        response = render(
            request,
            template,
            {**context(form), "section_error": error, "can_write": True},
            status=status,
        )
        if notify and status == 200:
            response["HX-Trigger"] = notify
        return response

    return render_section


def form_write(
    request: ActorRequest,
    patient: Patient,
    form: Any,
    write: Callable[[dict[str, Any]], object],
    *,
    url: str,
    section: Section,
    object_type: str,
    page: Callable[[Any], HttpResponse],
) -> HttpResponse:
    """A form that adds a row to the patient's record: written and shown again, or the
    form back with its errors (the section for htmx, `page(form)` otherwise, both 422)."""
    if form.is_valid():
        error = attempt(lambda: write(form.cleaned_data))
        if error is None:
            return after_write(request, patient, url, section, error=None, object_type=object_type)
        form_error_add(form, error)
    if request.htmx:
        return section(form=form, status=422)
    return page(form)


def row_write(
    request: ActorRequest,
    queryset: Any,
    public_id: uuid.UUID,
    write: Callable[[Any], object],
    *,
    url_name: str,
    section: Callable[[ActorRequest, Patient], Section],
    object_type: str,
) -> HttpResponse:
    """A change to one existing row (resolve, inactivate, mark in error): checked and
    logged by its service, then the section or the page again."""
    row = record_row_for_write(actor=request.actor, queryset=queryset, public_id=public_id)
    error = attempt(lambda: write(row))
    return after_write(
        request,
        row.patient,
        reverse(url_name, args=[row.patient.public_id]),
        section(request, row.patient),
        error=error,
        object_type=object_type,
    )


def tab_view(
    request: ActorRequest,
    public_id: uuid.UUID,
    tab: str,
    *,
    context: Callable[[Patient, Any], dict[str, Any]],
    form: Callable[[Patient, Any], Any],
    write: Callable[[Patient, Any, dict[str, Any]], object],
    section: Callable[[ActorRequest, Patient], Section],
) -> HttpResponse:
    """A record tab with an add form (records/<tab>.html): GET shows it, POST adds one row
    and shows the section (htmx) or the page again."""
    writing = request.method == "POST"
    perm = Perm.RECORD_WRITE if writing else Perm.RECORD_READ
    patient = record_patient(request, public_id, object_type=tab, perm=perm)

    def page(bound: Any, status: int = 422) -> HttpResponse:
        frame = record_frame(request, patient, tab, **context(patient, bound))
        return render(request, f"records/{tab}.html", frame, status=status)

    bound = form(patient, request.POST if writing else None)
    if not writing:
        return page(bound, status=200)
    return form_write(
        request,
        patient,
        bound,
        lambda data: write(patient, bound, data),
        url=reverse(f"record_{tab}", args=[patient.public_id]),
        section=section(request, patient),
        object_type=tab,
        page=page,
    )
