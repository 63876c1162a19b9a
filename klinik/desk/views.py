from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from klinik.audit.choices import Channel, ReviewOutcome
from klinik.audit.errors import AuditError
from klinik.audit.models import AccessLogEntry
from klinik.audit.services import break_glass_review
from klinik.core.http import ActorRequest, PublicRequest
from klinik.core.outage import outage_response_for_current_exception
from klinik.core.policy import Perm, public, requires
from klinik.core.setup_log import setup_change_history
from klinik.desk.markup import patient_appointments_html
from klinik.desk.widgets import dashboard_widgets
from klinik.pathways.selectors import patient_pathways
from klinik.patients.access import access_patient
from klinik.patients.errors import BreakGlassRequired
from klinik.patients.overview import (
    patient_history_recent,
    patient_merge_rows,
    patient_relatives_list,
)
from klinik.patients.selectors import age_on, patient_search
from klinik.patients.views import break_glass_page
from klinik.records.header import header_warnings
from klinik.scheduling.schedule import patient_appointments
from klinik.scheduling.selectors import next_appointments


@public
@require_GET
def home_view(request: PublicRequest) -> HttpResponse:
    return redirect("dashboard" if request.user.is_authenticated else "login")


@requires()
@require_GET
def dashboard_view(request: ActorRequest) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "desk/dashboard.html",
        {"widgets": dashboard_widgets(actor), "role_label": actor.role.label},
    )


@requires(Perm.AUDIT_REVIEW)
@require_POST
def break_glass_review_view(request: ActorRequest, seq: int) -> HttpResponse:
    actor = request.actor
    entry = AccessLogEntry.objects.filter(
        seq=seq, organisation_id__in=actor.organisation_ids, is_break_glass=True
    ).first()
    if entry is None:
        raise Http404
    outcome = request.POST.get("outcome", "")
    if outcome not in ReviewOutcome.values:
        messages.error(request, _("Choose whether the access was justified."))
        return redirect("dashboard")
    try:
        break_glass_review(
            actor=actor,
            entry=entry,
            outcome=ReviewOutcome(outcome),
            comment=request.POST.get("comment", ""),
        )
    except AuditError:
        messages.error(request, _("The access could not be reviewed (already reviewed?)."))
    else:
        messages.success(request, _("The review has been saved."))
    return redirect("dashboard")


@requires()
@require_POST
def keepalive_view(request: ActorRequest) -> HttpResponse:
    """Activity in the browser (typing a long note) keeps the session from idling out."""
    return HttpResponse(status=204)


@dataclass(frozen=True)
class SetupSection:
    title: str | Promise
    about: str | Promise
    url_name: str


# The clinic's setup, one screen each; the manager starts here. Lazy texts: the page
# translates them in the user's language.
SETUP_SECTIONS: tuple[SetupSection, ...] = (
    SetupSection(
        gettext_lazy("Organisation"),
        gettext_lazy("Name, CVR, SOR code, provider number, EAN/GLN, address and logo."),
        "setup_organisation",
    ),
    SetupSection(
        gettext_lazy("Units"),
        gettext_lazy("Departments, clinics and locations with their phone, address and SOR code."),
        "setup_units",
    ),
    SetupSection(
        gettext_lazy("Resources and working hours"),
        gettext_lazy(
            "Practitioners, rooms and equipment; their working hours, breaks and absences."
        ),
        "setup_resources",
    ),
    SetupSection(
        gettext_lazy("Closing days"),
        gettext_lazy("Holidays and other days or periods the unit is closed."),
        "setup_closing_days",
    ),
    SetupSection(
        gettext_lazy("Appointment types"),
        gettext_lazy("Duration, buffer, the resources needed, online, group size, reminder."),
        "setup_types",
    ),
    SetupSection(
        gettext_lazy("Message templates"),
        gettext_lazy("Confirmation, reminder and cancellation texts per unit or type."),
        "setup_templates",
    ),
    SetupSection(
        gettext_lazy("Letter templates"),
        gettext_lazy("Invitations, replies to referrals, discharge letters with merge fields."),
        "letter_templates",
    ),
    SetupSection(
        gettext_lazy("Journal phrases"),
        gettext_lazy("The clinic's text snippets for notes: a shortcut and merge fields."),
        "journal_phrases",
    ),
    SetupSection(
        gettext_lazy("Partner directory"),
        gettext_lazy("GP clinics, municipalities and hospital units for MedCom: SOR and EAN."),
        "partner_list",
    ),
    SetupSection(
        gettext_lazy("Online booking"),
        gettext_lazy("Which types patients book online, how far ahead, the cancellation limit."),
        "setup_online",
    ),
    SetupSection(
        gettext_lazy("Staff"),
        gettext_lazy("Users, roles and who may log in."),
        "staff_list",
    ),
)


@requires(Perm.CLINIC_SETUP)
@require_GET
def setup_view(request: ActorRequest) -> HttpResponse:
    """The setup's front page: its sections and the latest changes (who, what, old → new)."""
    return render(
        request,
        "desk/setup.html",
        {
            "sections": SETUP_SECTIONS,
            "changes": setup_change_history(actor=request.actor, limit=30),
        },
    )


@public
def shortcuts_view(request: PublicRequest) -> HttpResponse:
    return render(request, "desk/shortcuts.html")


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # A database outage met after the outage middleware (saving the session) is a 503.
    outage = outage_response_for_current_exception(request)
    return outage or render(request, "500.html", status=500)


# The patient page and the one-box search: composed here because they show other domains'
# data too (next appointment, journal, pathways) as those arrive.


@requires(Perm.PATIENT_VIEW)
def patient_search_view(request: ActorRequest) -> HttpResponse:
    """POST q (search terms stay out of URLs and logs). htmx gets the result list only."""
    query = request.POST.get("q", "") if request.method == "POST" else ""
    hits = (
        patient_search(actor=request.actor, query=query, channel=Channel.UI)
        if query.strip()
        else []
    )
    upcoming = (
        next_appointments(actor=request.actor, patient_ids=[h.pk for h in hits]) if hits else {}
    )
    rows = [(hit, upcoming.get(hit.pk)) for hit in hits]
    context = {"rows": rows, "hits": hits, "query": query, "searched": bool(query.strip())}
    if request.htmx:
        return render(request, "desk/partials/_search_results.html", context)
    return render(request, "desk/patient_search.html", context)


@requires(Perm.PATIENT_VIEW)
@require_GET
def patient_page_view(request: ActorRequest, public_id: str) -> HttpResponse:
    try:
        patient = access_patient(actor=request.actor, public_id=public_id, channel=Channel.UI)
    except BreakGlassRequired:
        return break_glass_page(request, public_id)
    appointments = patient_appointments(patient_id=patient.pk)
    return render(
        request,
        "desk/patient_page.html",
        {
            "patient": patient,
            "age": age_on(patient.birth_date, timezone.localdate()),
            "relatives": patient_relatives_list(patient=patient),
            "history": patient_history_recent(patient=patient),
            "merges": patient_merge_rows(patient=patient),
            "appointments": appointments,
            "appointments_html": patient_appointments_html(
                appointments,
                timezone.now(),
                is_linked=request.actor.can(Perm.SCHEDULE_VIEW),
            ),
            "record_warnings": header_warnings(actor=request.actor, patient=patient),
            "pathway_views": patient_pathways(actor=request.actor, patient=patient),
        },
    )
