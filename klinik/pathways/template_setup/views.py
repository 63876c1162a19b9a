"""Pathway templates (pakkeforløb) for the manager: the list and one template's form."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.pathways.models import PathwayTemplate
from klinik.pathways.setup import pathway_template_save
from klinik.pathways.template_setup.forms import TemplateForm


def _organisation_id(request: ActorRequest) -> int:
    organisation = request.actor.organisation
    if organisation is None:
        raise Http404
    return organisation.pk


@requires(Perm.CLINIC_SETUP)
def template_list_view(request: ActorRequest) -> HttpResponse:
    templates = (
        PathwayTemplate.objects.filter(organisation_id=_organisation_id(request))
        .prefetch_related("steps")
        .order_by("title")
    )
    return render(request, "pathways/template_list.html", {"templates": templates})


@requires(Perm.CLINIC_SETUP)
def template_edit_view(request: ActorRequest, code: str = "") -> HttpResponse:
    organisation_id = _organisation_id(request)
    template = None
    if code:
        template = PathwayTemplate.objects.filter(
            organisation_id=organisation_id, code=code
        ).first()
        if template is None:
            raise Http404
    if request.method != "POST":
        initial = {}
        if template is not None:
            initial = {
                "code": template.code,
                "title": template.title,
                "label": template.label,
                "is_active": template.is_active,
                "steps": "\n".join(
                    f"{s.offset_days}; {s.title}" + (f"; {s.marker}" if s.marker else "")
                    for s in template.steps.order_by("position")
                ),
            }
        form = TemplateForm(initial=initial)
        return render(request, "pathways/template_form.html", {"form": form, "template": template})
    form = TemplateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            pathway_template_save(
                actor=request.actor,
                organisation_id=organisation_id,
                code=data["code"],
                title=data["title"],
                label=data["label"],
                steps=data["steps"],
                is_active=data["is_active"],
            )
        except DomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The template is saved."))
            return redirect("pathway_templates")
    return render(
        request, "pathways/template_form.html", {"form": form, "template": template}, status=422
    )
