"""The manager's message-template screens: a unit's texts, edit one with a preview."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from klinik.core.errors import SetupInvalid, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.core.setup.selectors import setup_unit_chosen, setup_units
from klinik.correspondence.choices import MessageKind
from klinik.correspondence.setup import services
from klinik.correspondence.setup.forms import TemplateForm
from klinik.correspondence.setup.selectors import template_current, unit_template_rows
from klinik.correspondence.texts import DEFAULTS
from klinik.scheduling.types.selectors import setup_type, setup_types


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET"])
def templates_view(request: ActorRequest) -> HttpResponse:
    unit = setup_unit_chosen(actor=request.actor, public_id=request.GET.get("unit", ""))
    return render(
        request,
        "correspondence/setup/templates.html",
        {
            "unit": unit,
            "units": setup_units(actor=request.actor),
            "rows": unit_template_rows(actor=request.actor, unit=unit),
            "kinds": MessageKind.choices,
            "types": setup_types(actor=request.actor, unit=unit).filter(is_active=True),
        },
    )


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def template_edit_view(request: ActorRequest) -> HttpResponse:
    """?kind= and ?unit= (or ?type= for a type's own text). POST action: save, preview or
    remove."""
    kind = request.GET.get("kind", "")
    if kind not in MessageKind.values:
        raise Http404
    actor = request.actor
    type_id = request.GET.get("type", "")
    appointment_type = setup_type(actor=actor, public_id=type_id) if type_id else None
    unit = (
        appointment_type.unit
        if appointment_type is not None
        else setup_unit_chosen(actor=actor, public_id=request.GET.get("unit", ""))
    )
    current = template_current(actor=actor, unit=unit, appointment_type=appointment_type, kind=kind)
    default_subject, default_body = DEFAULTS[kind]
    initial = (
        {"subject": current.subject, "body": current.body}
        if current is not None
        else {"subject": "", "body": str(default_body)}
    )
    form = TemplateForm(request.POST or None, initial=initial)
    back = f"{reverse('setup_templates')}?unit={unit.public_id}"
    action = request.POST.get("action", "")
    preview = None
    if request.method == "POST" and action == "remove":
        services.template_remove(
            actor=actor, unit=unit, appointment_type=appointment_type, kind=kind
        )
        messages.success(request, _("The default text applies again."))
        return redirect(back)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if action == "preview":
            preview = services.template_preview(
                unit=unit,
                appointment_type=appointment_type,
                kind=kind,
                subject=data["subject"],
                body=data["body"],
            )
        else:
            try:
                services.template_save(
                    actor=actor,
                    unit=unit,
                    appointment_type=appointment_type,
                    kind=kind,
                    subject=data["subject"],
                    body=data["body"],
                )
            except SetupInvalid as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("The text is saved."))
                return redirect(back)
    if preview is None and request.method == "GET":
        preview = services.template_preview(
            unit=unit,
            appointment_type=appointment_type,
            kind=kind,
            subject=initial["subject"],
            body=initial["body"],
        )
    return render(
        request,
        "correspondence/setup/template_form.html",
        {
            "form": form,
            "unit": unit,
            "appointment_type": appointment_type,
            "kind": MessageKind(kind),
            "current": current,
            "preview": preview,
            "sms_max": services.SMS_MAX_CHARS,
            "default_subject": default_subject,
            "back": back,
        },
        status=400 if form.errors else 200,
    )
