"""Patient register screens: create, edit contact details, relatives, number change,
restriction, merge, GDPR export, access report and break the glass. The patient page itself
is composed in desk (it shows other domains too)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Action, Channel, Purpose
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.patients import services
from klinik.patients.access import access_patient, patient_break_glass
from klinik.patients.access_report import access_report, access_report_pdf, access_report_people
from klinik.patients.choices import ContactChannel
from klinik.patients.cpr_register import cpr_register_lookup
from klinik.patients.errors import (
    BreakGlassReasonMissing,
    BreakGlassRequired,
    PatientDuplicate,
    PatientInvalid,
    SimilarPatientsExist,
)
from klinik.patients.export import patient_export_json, patient_export_pdf, patient_export_zip
from klinik.patients.forms import (
    REPORT_PURPOSES,
    AccessReportForm,
    ChangeNumberForm,
    PatientCreateForm,
    PatientEditForm,
    ReasonForm,
    RelativeForm,
)
from klinik.patients.identifiers import IdentifierError, parse_identifier
from klinik.patients.models import Patient, PatientMerge, Relative
from klinik.patients.overview import patient_relatives_list
from klinik.terminology.selectors import postal_code_city


def break_glass_page(request: HttpRequest, public_id: object, error: str = "") -> HttpResponse:
    return render(
        request,
        "patients/break_glass.html",
        {"public_id": public_id, "error": error, "message": BreakGlassRequired.MESSAGE},
        status=403,
    )


def break_glass_on_refusal(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """View decorator: no care relation gives the emergency-access page the patient page
    shows, instead of an error."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except BreakGlassRequired as exc:
            return break_glass_page(request, exc.patient_public_id)

    return wrapped


def _patient(request: ActorRequest, public_id: str, **kwargs: Any) -> Patient:
    return access_patient(actor=request.actor, public_id=public_id, channel=Channel.UI, **kwargs)


# Registration ---------------------------------------------------------------------------------


@requires(Perm.PATIENT_EDIT)
def patient_create_view(request: ActorRequest) -> HttpResponse:
    form = PatientCreateForm(
        request.POST or None,
        initial={
            # The register's default: SMS or e-mail chosen here asks for the consent too.
            "preferred_channel": ContactChannel.DIGITAL_POST,
            "language": "da",
            "insurance_group": 1,
            "cpr": request.GET.get("cpr", "") if request.htmx else "",
        },
    )
    form.fields["cpr"].widget.attrs.update(
        {
            "hx-post": reverse("patient_cpr_check"),
            "hx-trigger": "blur, input changed delay:400ms",
            "hx-target": "#cpr-check",
        }
    )
    form.fields["postal_code"].widget.attrs.update(
        {"data-postal-lookup": reverse("patient_postal_code"), "inputmode": "numeric"}
    )
    similar: list[Patient] = []
    duplicate = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cpr = data.pop("cpr")
        allow_similar = data.pop("allow_similar")
        if not data["sex"]:
            data.pop("sex")
        try:
            registration = services.patient_register(
                actor=request.actor,
                cpr=cpr,
                allow_similar=allow_similar,
                channel=Channel.UI,
                **data,
            )
        except PatientInvalid as exc:
            form_error_add(form, exc)
        except PatientDuplicate as exc:
            form.add_error("cpr", str(PatientDuplicate.MESSAGE))
            duplicate = exc.existing_public_id
        except SimilarPatientsExist as exc:
            similar = exc.candidates
            form.add_error("allow_similar", str(SimilarPatientsExist.MESSAGE))
        else:
            for warning in registration.warnings:
                messages.warning(request, warning)
            messages.success(request, _("The patient has been registered."))
            return redirect("patient_detail", public_id=registration.patient.public_id)
    return render(
        request,
        "patients/patient_create.html",
        {"form": form, "similar": similar, "duplicate": duplicate},
        status=400 if form.errors else 200,
    )


@requires(Perm.PATIENT_EDIT)
@require_POST
def cpr_check_view(request: ActorRequest) -> HttpResponse:
    """htmx: what the typed number means (birth date, sex, kind) or why it is refused."""
    raw = request.POST.get("cpr", "")
    context: dict[str, Any] = {}
    if raw.strip():
        try:
            context["parsed"] = parse_identifier(raw)
        except IdentifierError as exc:
            context["error"] = exc.message
        else:
            # The national register's name and address, which the form fills in where empty.
            context["person"] = cpr_register_lookup(cpr=raw)
    return render(request, "patients/partials/_cpr_check.html", context)


@requires(Perm.PATIENT_EDIT)
@require_GET
def postal_code_view(request: ActorRequest) -> JsonResponse:
    """The town of a postal code, for the forms' town field: `{"city": "Aarhus C"}`, or
    `{"city": null}` when the table does not know the code."""
    return JsonResponse({"city": postal_code_city(code=request.GET.get("code", ""))})


# Contact details ------------------------------------------------------------------------------


@requires(Perm.PATIENT_VIEW)
def patient_contact_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """The contact card; with ?edit=1 (or after an invalid save) its edit form (htmx)."""
    try:
        patient = _patient(request, public_id)
    except BreakGlassRequired:
        return break_glass_page(request, public_id)
    editing = request.GET.get("edit") == "1" or request.method == "POST"
    if editing and not request.actor.can(Perm.PATIENT_EDIT):
        raise Http404
    form = None
    if editing:
        fields = {
            name: getattr(patient, name)
            for name in PatientEditForm.base_fields
            if hasattr(patient, name)
        }
        form = PatientEditForm(request.POST or None, initial=fields)
        if request.method == "POST" and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
            try:
                patient = services.patient_update(
                    actor=request.actor,
                    patient=patient,
                    data=data,
                    reason=form.cleaned_data["reason"],
                    channel=Channel.UI,
                )
            except PatientInvalid as exc:
                form_error_add(form, exc)
            else:
                form = None
                messages.success(request, _("The changes have been saved."))
                if not request.htmx:
                    return redirect("patient_detail", public_id=public_id)
    context = {"patient": patient, "form": form}
    if request.htmx:
        status = 422 if form is not None and form.errors else 200
        response = render(request, "patients/partials/_contact.html", context, status=status)
        if form is None and request.method == "POST":
            response["HX-Trigger"] = "patient-changed"
        return response
    return redirect("patient_detail", public_id=public_id)


@requires(Perm.PATIENT_VIEW)
@require_POST
def patient_reveal_address_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Show a protected address, for a task the law requires it for; the reveal is logged."""
    try:
        patient = _patient(request, public_id, object_type="protected_address")
    except BreakGlassRequired:
        return break_glass_page(request, public_id)
    return render(request, "patients/partials/_contact.html", {"patient": patient, "reveal": True})


# Relatives ------------------------------------------------------------------------------------


@requires(Perm.PATIENT_EDIT)
@require_http_methods(["GET", "POST"])
def relative_add_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """GET: the relatives with the form opened (the patient page loads it on demand: a form
    rendered on every visit cost more than the rest of the card). POST: add one."""
    patient = _patient(request, public_id)
    form = RelativeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.relative_add(actor=request.actor, patient=patient, **form.cleaned_data)
        except PatientInvalid as exc:
            form_error_add(form, exc)
        else:
            form = RelativeForm()
    return render(
        request,
        "patients/partials/_relatives.html",
        {
            "patient": patient,
            "relatives": patient_relatives_list(patient=patient),
            "relative_form": form,
        },
        status=422 if form.errors else 200,
    )


@requires(Perm.PATIENT_EDIT)
@require_POST
def relative_remove_view(request: ActorRequest, public_id: str, relative_id: str) -> HttpResponse:
    patient = _patient(request, public_id)
    relative = Relative.objects.filter(public_id=relative_id, patient=patient).first()
    if relative is None:
        raise Http404
    services.relative_remove(actor=request.actor, patient=patient, relative=relative)
    return render(
        request,
        "patients/partials/_relatives.html",
        {"patient": patient, "relatives": patient_relatives_list(patient=patient)},
    )


# Number change, restriction, merge ------------------------------------------------------------


@requires(Perm.PATIENT_EDIT)
def patient_change_number_view(request: ActorRequest, public_id: str) -> HttpResponse:
    patient = _patient(request, public_id)
    form = ChangeNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_change_identifier(
                actor=request.actor,
                patient=patient,
                new_number=form.cleaned_data["new_number"],
                reason=form.cleaned_data["reason"],
            )
        except PatientInvalid as exc:
            for errors in exc.errors.values():
                for error in errors:
                    form.add_error("new_number" if "cpr" in exc.errors else None, error)
        except PatientDuplicate:
            form.add_error("new_number", str(PatientDuplicate.MESSAGE))
        else:
            messages.success(request, _("The number has been changed; the old one is kept."))
            return redirect("patient_detail", public_id=public_id)
    return render(
        request,
        "patients/patient_action.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Change CPR number"),
            "submit": _("Change number"),
        },
        status=400 if form.errors else 200,
    )


@requires(Perm.PATIENT_EDIT)
def patient_restrict_view(request: ActorRequest, public_id: str) -> HttpResponse:
    patient = _patient(request, public_id)
    lifting = patient.is_restricted
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = services.patient_lift_restriction if lifting else services.patient_restrict
        try:
            action(actor=request.actor, patient=patient, reason=form.cleaned_data["reason"])
        except PatientInvalid as exc:
            form_error_add(form, exc)
        else:
            messages.success(
                request,
                _("The restriction has been lifted.")
                if lifting
                else _("Processing is now restricted. The record is kept."),
            )
            return redirect("patient_detail", public_id=public_id)
    title = _("Lift the restriction") if lifting else _("Restrict processing")
    return render(
        request,
        "patients/patient_action.html",
        {
            "patient": patient,
            "form": form,
            "title": title,
            "submit": title,
            "explanation": ""
            if lifting
            else _(
                "The patient asked for erasure or restriction, but the record must be kept "
                "(journals are kept for at least 10 years). While restricted, the record is "
                "only stored: it cannot be changed, and searches show it as restricted."
            ),
        },
        status=400 if form.errors else 200,
    )


@requires(Perm.PATIENT_EDIT)
def patient_merge_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Merge another record of the same person into this one (or this one into it)."""
    patient = _patient(request, public_id)
    other = None
    error = ""
    other_id = request.POST.get("other") or request.GET.get("other")
    if other_id:
        try:
            other = _patient(request, other_id)
        except (Http404, BreakGlassRequired):
            error = _("Choose the other record from the search results.")
    if request.method == "POST" and other is not None and request.POST.get("confirm") == "1":
        try:
            merge = services.patient_merge(
                actor=request.actor,
                source=other,
                target=patient,
                reason=request.POST.get("reason", ""),
            )
        except PatientInvalid as exc:
            error = next(iter(exc.errors.values()))[0]
        else:
            messages.success(request, _("The records have been merged."))
            return redirect("patient_detail", public_id=merge.target.public_id)
    return render(
        request,
        "patients/patient_merge.html",
        {"patient": patient, "other": other, "error": error},
        status=400 if error else 200,
    )


@requires(Perm.PATIENT_UNMERGE)
@require_POST
def patient_merge_undo_view(request: ActorRequest, merge_id: str) -> HttpResponse:
    merge = (
        PatientMerge.objects.filter(
            public_id=merge_id, organisation_id__in=request.actor.organisation_ids
        )
        .select_related("target")
        .first()
    )
    if merge is None:
        raise Http404
    try:
        services.patient_merge_undo(
            actor=request.actor, merge=merge, reason=request.POST.get("reason", "")
        )
    except PatientInvalid as exc:
        messages.error(request, next(iter(exc.errors.values()))[0])
    else:
        messages.success(request, _("The merge has been undone."))
    return redirect(request.POST.get("next") or reverse("patient_merges"))


@requires(Perm.PATIENT_UNMERGE)
@require_GET
def patient_merges_view(request: ActorRequest) -> HttpResponse:
    """Recent merges in the organisation, for an administrator to undo a wrong one."""
    merges = (
        PatientMerge.objects.filter(organisation_id__in=request.actor.organisation_ids)
        .select_related("source", "target", "merged_by", "undone_by")
        .order_by("-merged_at")[:100]
    )
    return render(request, "patients/patient_merges.html", {"merges": merges})


# Right of access, access report, break the glass ---------------------------------------------


EXPORTS = {
    "pdf": (patient_export_pdf, "application/pdf"),
    "json": (patient_export_json, "application/json; charset=utf-8"),
    "zip": (patient_export_zip, "application/zip"),
}


@requires(Perm.PATIENT_EXPORT)
@require_GET
def patient_export_view(request: ActorRequest, public_id: str, fmt: str) -> HttpResponse:
    """Everything Klinik holds on the patient (GDPR art. 15): PDF to read, JSON to process, or a
    zip of both with the record's files."""
    if fmt not in EXPORTS:
        raise Http404
    try:
        patient = _patient(
            request,
            public_id,
            action=Action.EXPORT,
            purpose=Purpose.PATIENT_REQUEST,
            perm=Perm.PATIENT_EXPORT,
            object_type=f"export_{fmt}",
        )
    except BreakGlassRequired:
        return break_glass_page(request, public_id)
    make, content_type = EXPORTS[fmt]
    response = HttpResponse(make(patient=patient), content_type=content_type)
    # The file name carries no personal data.
    response["Content-Disposition"] = f'attachment; filename="indsigt-{patient.public_id}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@requires(Perm.AUDIT_PATIENT_REPORT)
@require_GET
def patient_access_report_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Who has accessed the patient's record (the patient's right under the health act):
    filtered by period and person, printable as a PDF for the patient. Opening it is logged as
    a view of the report with the purpose chosen; the PDF as a print."""
    as_pdf = request.GET.get("format") == "pdf"
    query = request.GET.copy()
    query.setdefault("purpose", Purpose.PATIENT_REQUEST)
    chosen = query["purpose"]
    purpose = next((p for p in REPORT_PURPOSES if p.value == chosen), Purpose.PATIENT_REQUEST)
    try:
        patient = _patient(
            request,
            public_id,
            action=Action.PRINT if as_pdf else Action.VIEW,
            purpose=purpose,
            perm=Perm.AUDIT_PATIENT_REPORT,
            object_type="access_report",
        )
    except BreakGlassRequired:
        return break_glass_page(request, public_id)
    people = access_report_people(patient=patient, organisation_ids=request.actor.organisation_ids)
    form = AccessReportForm(query, people=people)
    if not form.is_valid():
        return render(
            request, "patients/access_report.html", {"patient": patient, "form": form}, status=422
        )
    data = form.cleaned_data
    rows = access_report(
        patient=patient,
        organisation_ids=request.actor.organisation_ids,
        since=data["since"],
        until=data["until"],
        user_id=data["person"],
    )
    if as_pdf:
        response = HttpResponse(
            access_report_pdf(patient=patient, rows=rows, since=data["since"], until=data["until"]),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = f'inline; filename="adgang-{patient.public_id}.pdf"'
        response["Cache-Control"] = "no-store"
        return response
    query["format"] = "pdf"
    return render(
        request,
        "patients/access_report.html",
        {"patient": patient, "form": form, "rows": rows, "pdf_query": query.urlencode()},
    )


@requires(Perm.PATIENT_VIEW)
def patient_break_glass_view(request: ActorRequest, public_id: str) -> HttpResponse:
    if request.method != "POST":
        return break_glass_page(request, public_id)
    try:
        patient_break_glass(
            actor=request.actor,
            public_id=public_id,
            reason=request.POST.get("reason", ""),
            channel=Channel.UI,
        )
    except BreakGlassReasonMissing:
        return break_glass_page(request, public_id, str(BreakGlassReasonMissing.MESSAGE))
    messages.warning(request, _("Emergency access granted. The access is flagged for review."))
    return redirect("patient_detail", public_id=public_id)
