"""The referral screens ("Henvisninger"): a unit's referrals waiting for visitation (and those
decided), registering a referral received, one referral with its deadlines, history and the
visitation form; and a pathway with its timeline, markers, appointments and closing. Thin:
parse → service or selector → page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.pathways.access import access_pathway, access_referral
from klinik.pathways.choices import Decision, ReferralStatus
from klinik.pathways.models import PathwayMarker, PathwayTemplate
from klinik.pathways.pathway_services import (
    pathway_close,
    pathway_link,
    pathway_marker_add,
    pathway_marker_remove,
)
from klinik.pathways.referral_desk.forms import (
    AttachmentForm,
    CloseForm,
    LinkForm,
    MarkerForm,
    ReferralForm,
    VisitationForm,
)
from klinik.pathways.referral_services import (
    referral_attach,
    referral_receive,
    referral_visitate,
)
from klinik.pathways.rules import rules_all
from klinik.pathways.selectors import (
    marker_choices,
    pathway_appointments,
    pathway_contacts,
    pathway_label_choices,
    pathway_page,
    pathway_units,
    referral_detail,
    referrals_for_unit,
)
from klinik.patients.access import access_patient
from klinik.patients.selectors import PatientHit, patient_search
from klinik.records.models import Contact
from klinik.scheduling.models import Appointment


def _unit(request: ActorRequest, unit_id: str) -> Unit:
    from django.http import Http404

    unit = next(
        (u for u in pathway_units(actor=request.actor) if str(u.public_id) == unit_id), None
    )
    if unit is None:
        raise Http404
    return unit


def _right_choices() -> list[tuple[str, str]]:
    today = timezone.localdate()
    seen: dict[str, str] = {}
    for rule in rules_all():
        is_valid = rule.valid_from <= today and (rule.valid_to is None or rule.valid_to >= today)
        if is_valid and rule.code != "udredningsret-besked":
            seen.setdefault(rule.code, rule.title)
    return sorted(seen.items(), key=lambda item: item[0])


@requires(Perm.PATHWAY_VIEW)
@require_GET
def referral_home_view(request: ActorRequest) -> HttpResponse:
    """The actor's own unit's referrals; with several units, a choice."""
    units = pathway_units(actor=request.actor)
    actor_unit = request.actor.unit
    if actor_unit is not None and any(u.pk == actor_unit.pk for u in units):
        return redirect("referral_list", unit_id=actor_unit.public_id)
    if len(units) == 1:
        return redirect("referral_list", unit_id=units[0].public_id)
    return render(request, "pathways/choose_unit.html", {"units": units})


@requires(Perm.PATHWAY_VIEW)
@require_GET
def referral_list_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    unit = _unit(request, str(unit_id))
    status = request.GET.get("status", ReferralStatus.RECEIVED)
    if status not in ReferralStatus.values:
        status = ReferralStatus.RECEIVED
    referrals = referrals_for_unit(actor=request.actor, unit=unit, status=status)
    return render(
        request,
        "pathways/referral_list.html",
        {
            "unit": unit,
            "referrals": referrals,
            "status": status,
            "statuses": ReferralStatus.choices,
            "today": timezone.localdate(),
            "can_register": request.actor.can(Perm.REFERRAL_REGISTER),
        },
    )


def _register_page(
    request: ActorRequest,
    unit: Unit,
    form: ReferralForm,
    hits: list[PatientHit] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "pathways/referral_new.html",
        {"unit": unit, "form": form, "hits": hits},
        status=status,
    )


_REFERRAL_FIELDS = {
    "referrer.name": "referrer_name",
    "referrer.sor": "referrer_sor",
    "referrer.ydernummer": "referrer_provider_number",
    "patient": "patient_query",
    "unit": "patient_query",
    "file": "attachment",
}


@requires(Perm.REFERRAL_REGISTER, Perm.PATIENT_VIEW)
def referral_new_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """Register a referral received by hand (paper, phone, scanned letter)."""
    actor = request.actor
    unit = _unit(request, str(unit_id))
    if request.method != "POST":
        form = ReferralForm(
            rights=_right_choices(),
            can_attach=actor.can(Perm.RECORD_WRITE),
            initial={"received_at": timezone.localtime()},
        )
        return _register_page(request, unit, form)
    form = ReferralForm(
        request.POST,
        request.FILES,
        rights=_right_choices(),
        can_attach=actor.can(Perm.RECORD_WRITE),
    )
    if not form.is_valid():
        return _register_page(request, unit, form, status=422)
    data = form.cleaned_data
    chosen = data["patient"]
    if chosen is None:
        hits = patient_search(actor=actor, query=data["patient_query"], channel=Channel.UI)
        if not hits:
            form.add_error("patient_query", _("No patient found. Check the CPR number or name."))
            return _register_page(request, unit, form, status=422)
        if len(hits) > 1:
            return _register_page(request, unit, form, hits=hits)
        chosen = hits[0].public_id
    patient = access_patient(actor=actor, public_id=chosen, channel=Channel.UI)
    try:
        referral = referral_receive(
            actor=actor,
            patient=patient,
            unit=unit,
            received_at=data["received_at"],
            referrer_name=data["referrer_name"],
            referrer_sor=data["referrer_sor"],
            referrer_provider_number=data["referrer_provider_number"],
            reason=data["reason"],
            diagnosis=data["diagnosis"],
            priority=data["priority"],
            mode=data["mode"],
            area=data["area"],
            rights=data["rights"],
            letter=data.get("attachment"),
        )
    except DomainError as exc:
        form_error_add(form, exc, _REFERRAL_FIELDS)
        return _register_page(request, unit, form, status=422)
    messages.success(request, _("The referral is registered."))
    return redirect("referral_detail", referral_id=referral.public_id)


def _detail_page(
    request: ActorRequest,
    referral_id: str,
    *,
    visitation_form: VisitationForm | None = None,
    attachment_form: AttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    detail = referral_detail(actor=actor, public_id=referral_id, channel=Channel.UI)
    referral = detail.referral
    context: dict[str, Any] = {
        "detail": detail,
        "referral": referral,
        "rows": [(d, detail.statuses[d.pk]) for d in detail.deadlines],
        "today": timezone.localdate(),
        "can_visitate": actor.can(Perm.REFERRAL_VISITATE)
        and referral.status == ReferralStatus.RECEIVED,
        "can_attach": actor.can(Perm.REFERRAL_REGISTER) and actor.can(Perm.RECORD_WRITE),
        "visitation_form": visitation_form or _visitation_form(request, referral.organisation_id),
        "attachment_form": attachment_form or AttachmentForm(),
    }
    return render(request, "pathways/referral_detail.html", context, status=status)


def _visitation_form(
    request: ActorRequest, organisation_id: int, data: Any = None
) -> VisitationForm:
    units = Unit.objects.filter(organisation_id=organisation_id, is_active=True).order_by("name")
    templates = PathwayTemplate.objects.filter(
        organisation_id=organisation_id, is_active=True
    ).order_by("title")
    labels = pathway_label_choices(on=timezone.localdate())
    return VisitationForm(data, units=units, templates=templates, labels=labels)


@requires(Perm.PATHWAY_VIEW)
@require_GET
def referral_detail_view(request: ActorRequest, referral_id: str) -> HttpResponse:
    return _detail_page(request, str(referral_id))


@requires(Perm.REFERRAL_VISITATE)
@require_POST
def referral_visitation_view(request: ActorRequest, referral_id: str) -> HttpResponse:
    actor = request.actor
    referral = access_referral(
        actor=actor,
        public_id=referral_id,
        channel=Channel.UI,
        perm=Perm.REFERRAL_VISITATE,
        is_logged=False,
    )
    form = _visitation_form(request, referral.organisation_id, request.POST)
    if not form.is_valid():
        return _detail_page(request, str(referral_id), visitation_form=form, status=422)
    data = form.cleaned_data
    try:
        referral = referral_visitate(
            actor=actor,
            referral=referral,
            decision=data["decision"],
            reason=data["reason"],
            unit=data["unit"],
            priority=data["priority"],
            label=data["label"],
            template=data["template"],
        )
    except DomainError as exc:
        form_error_add(form, exc)
        return _detail_page(request, str(referral_id), visitation_form=form, status=422)
    texts = {
        Decision.ACCEPT: _("The referral is accepted and the pathway started."),
        Decision.REJECT: _("The referral is rejected. A task to answer the referrer is made."),
        Decision.REDIRECT: _("The referral is redirected to %(unit)s.")
        % {"unit": referral.unit.name},
    }
    messages.success(request, texts[Decision(data["decision"])])
    return redirect("referral_detail", referral_id=referral.public_id)


@requires(Perm.REFERRAL_REGISTER, Perm.RECORD_WRITE)
@require_POST
def referral_attach_view(request: ActorRequest, referral_id: str) -> HttpResponse:
    actor = request.actor
    referral = access_referral(actor=actor, public_id=referral_id, channel=Channel.UI)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, str(referral_id), attachment_form=form, status=422)
    try:
        referral_attach(
            actor=actor,
            referral=referral,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
        )
    except DomainError as exc:
        form_error_add(form, exc)
        return _detail_page(request, str(referral_id), attachment_form=form, status=422)
    messages.success(request, _("The letter is attached."))
    return redirect("referral_detail", referral_id=referral.public_id)


# Pathways ------------------------------------------------------------------------------------


def _pathway_page(
    request: ActorRequest,
    pathway_id: str,
    *,
    marker_form: MarkerForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    pathway = access_pathway(actor=actor, public_id=pathway_id, channel=Channel.UI)
    view = pathway_page(pathway=pathway)
    context = {
        "pathway": pathway,
        "view": view,
        "today": timezone.localdate(),
        "markers": PathwayMarker.objects.filter(pathway=pathway).order_by("at", "id"),
        "marker_choices": marker_choices(),
        "appointments": pathway_appointments(pathway=pathway),
        "contacts": pathway_contacts(pathway=pathway),
        "can_edit": actor.can(Perm.PATHWAY_EDIT) and pathway.ended_at is None,
        "marker_form": marker_form or MarkerForm(initial={"at": timezone.localtime()}),
        "close_form": close_form or CloseForm(initial={"ended_at": timezone.localtime()}),
    }
    return render(request, "pathways/pathway_detail.html", context, status=status)


@requires(Perm.PATHWAY_VIEW)
@require_GET
def pathway_detail_view(request: ActorRequest, pathway_id: str) -> HttpResponse:
    return _pathway_page(request, str(pathway_id))


def _editable(request: ActorRequest, pathway_id: str) -> Any:
    return access_pathway(
        actor=request.actor,
        public_id=pathway_id,
        channel=Channel.UI,
        perm=Perm.PATHWAY_EDIT,
        is_logged=False,
    )


@requires(Perm.PATHWAY_EDIT)
@require_POST
def pathway_marker_view(request: ActorRequest, pathway_id: str) -> HttpResponse:
    pathway = _editable(request, str(pathway_id))
    form = MarkerForm(request.POST)
    if not form.is_valid():
        return _pathway_page(request, str(pathway_id), marker_form=form, status=422)
    try:
        pathway_marker_add(
            actor=request.actor,
            pathway=pathway,
            code=form.cleaned_data["code"],
            at=form.cleaned_data["at"],
        )
    except DomainError as exc:
        form_error_add(form, exc)
        return _pathway_page(request, str(pathway_id), marker_form=form, status=422)
    messages.success(request, _("The marker is set; the deadlines are recomputed."))
    return redirect("pathway_detail", pathway_id=pathway.public_id)


@requires(Perm.PATHWAY_EDIT)
@require_POST
def pathway_marker_remove_view(
    request: ActorRequest, pathway_id: str, marker_id: str
) -> HttpResponse:
    pathway = _editable(request, str(pathway_id))
    marker = get_object_or_404(PathwayMarker, pathway=pathway, public_id=marker_id)
    pathway_marker_remove(actor=request.actor, marker=marker)
    messages.success(request, _("The marker is removed; the deadlines are recomputed."))
    return redirect("pathway_detail", pathway_id=pathway.public_id)


@requires(Perm.PATHWAY_EDIT)
@require_POST
def pathway_link_view(request: ActorRequest, pathway_id: str) -> HttpResponse:
    """Put one of the patient's appointments or contacts on the pathway."""
    pathway = _editable(request, str(pathway_id))
    form = LinkForm(request.POST)
    appointment = contact = None
    if form.is_valid() and form.cleaned_data["appointment"]:
        appointment = Appointment.objects.filter(
            organisation_id=pathway.organisation_id,
            public_id=form.cleaned_data["appointment"],
        ).first()
    elif form.is_valid() and form.cleaned_data["contact"]:
        contact = Contact.objects.filter(
            organisation_id=pathway.organisation_id, public_id=form.cleaned_data["contact"]
        ).first()
    if appointment is None and contact is None:
        messages.error(request, _("Choose one of the patient's appointments or contacts."))
        return redirect("pathway_detail", pathway_id=pathway.public_id)
    try:
        pathway_link(actor=request.actor, pathway=pathway, appointment=appointment, contact=contact)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if contact is not None:
            messages.success(request, _("The contact is on the pathway."))
        else:
            messages.success(request, _("The appointment is on the pathway."))
    return redirect("pathway_detail", pathway_id=pathway.public_id)


@requires(Perm.PATHWAY_EDIT)
@require_POST
def pathway_close_view(request: ActorRequest, pathway_id: str) -> HttpResponse:
    pathway = _editable(request, str(pathway_id))
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _pathway_page(request, str(pathway_id), close_form=form, status=422)
    try:
        pathway_close(
            actor=request.actor,
            pathway=pathway,
            ended_at=form.cleaned_data["ended_at"],
            end_mode=form.cleaned_data["end_mode"],
        )
    except DomainError as exc:
        form_error_add(form, exc)
        return _pathway_page(request, str(pathway_id), close_form=form, status=422)
    messages.success(request, _("The pathway is closed."))
    return redirect("pathway_detail", pathway_id=pathway.public_id)
