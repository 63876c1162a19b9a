from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.selectors import access_log_for_patient
from klinik.core.policy import Perm, requires
from klinik.patients.access import access_patient, patient_break_glass
from klinik.patients.errors import BreakGlassReasonMissing, BreakGlassRequired


def _break_glass_page(request: HttpRequest, public_id: str, error: str = "") -> HttpResponse:
    return render(
        request,
        "patients/break_glass.html",
        {"public_id": public_id, "error": error, "message": BreakGlassRequired.MESSAGE},
        status=403,
    )


@requires(Perm.PATIENT_VIEW)
@require_GET
def patient_detail_view(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        patient = access_patient(actor=request.actor, public_id=public_id, channel=Channel.UI)
    except BreakGlassRequired:
        return _break_glass_page(request, public_id)
    return render(request, "patients/patient_detail.html", {"patient": patient})


@requires(Perm.PATIENT_VIEW)
def patient_break_glass_view(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method != "POST":
        return _break_glass_page(request, public_id)
    try:
        patient_break_glass(
            actor=request.actor,
            public_id=public_id,
            reason=request.POST.get("reason", ""),
            channel=Channel.UI,
        )
    except BreakGlassReasonMissing:
        return _break_glass_page(request, public_id, str(BreakGlassReasonMissing.MESSAGE))
    messages.warning(request, _("Emergency access granted. The access is flagged for review."))
    return redirect("patient_detail", public_id=public_id)


@requires(Perm.AUDIT_PATIENT_REPORT)
@require_GET
def patient_access_report_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """Who has accessed the patient's record: the patient's right under the health act."""
    try:
        patient = access_patient(
            actor=request.actor,
            public_id=public_id,
            channel=Channel.UI,
            action=Action.PRINT,
            purpose=Purpose.PATIENT_REQUEST,
            perm=Perm.AUDIT_PATIENT_REPORT,
            object_type="access_report",
        )
    except BreakGlassRequired:
        return _break_glass_page(request, public_id)
    entries = access_log_for_patient(
        patient_id=patient.public_id, organisation_ids=request.actor.organisation_ids
    )[:1000]
    return render(request, "patients/access_report.html", {"patient": patient, "entries": entries})
