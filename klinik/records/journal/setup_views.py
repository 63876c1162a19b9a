"""The journal's administration screens: the unit's note templates and the phrases (text
snippets) that notes are written with.

Thin: parse → form → records.journal service → page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Actor, Perm, requires, requires_any
from klinik.records.errors import RecordError
from klinik.records.journal import note_templates, phrases
from klinik.records.journal.forms import (
    ERROR_FIELDS,
    NoteTemplateForm,
    PhraseForm,
)
from klinik.records.models import NoteTemplate, Phrase

# Templates and phrases ---------------------------------------------------------------------------


def _admin_context(request: ActorRequest, **extra: Any) -> dict[str, Any]:
    actor = request.actor
    return {
        "templates": note_templates.note_templates_admin(actor=actor),
        "template_form": extra.pop("template_form", None)
        or NoteTemplateForm(prefix_id="new-template"),
        **extra,
    }


def _template_save(
    actor: Actor, form: NoteTemplateForm, template: NoteTemplate | None = None
) -> None:
    note_templates.note_template_save(
        actor=actor,
        template=template,
        name=form.cleaned_data["name"],
        headings=form.headings_list(),
        entry_type=form.cleaned_data["entry_type"],
        whole_organisation=form.cleaned_data["whole_organisation"],
        position=form.cleaned_data["position"],
    )


def _saved(request: ActorRequest, form: Any, save: Callable[[], object], message: str) -> bool:
    """Save a valid form; a refusal goes onto the form. True when saved (and said so)."""
    if not form.is_valid():
        return False
    try:
        save()
    except RecordError as exc:
        form_error_add(form, exc, ERROR_FIELDS)
        return False
    messages.success(request, message)
    return True


@requires(Perm.RECORD_WRITE)
@require_http_methods(["GET", "POST"])
def journal_templates_view(request: ActorRequest) -> HttpResponse:
    """The unit's note templates; POST adds one."""
    actor = request.actor
    if actor.unit is None:
        raise Http404
    if request.method == "GET":
        # A unit without templates starts from the defaults (S/O/V/P …), as the editor does.
        note_templates.note_template_defaults(unit=actor.unit)
        return render(request, "records/templates_admin.html", _admin_context(request))
    form = NoteTemplateForm(request.POST, prefix_id="new-template")
    if _saved(request, form, lambda: _template_save(actor, form), _("The template is saved.")):
        return redirect("journal_templates")
    context = _admin_context(request, template_form=form)
    return render(request, "records/templates_admin.html", context, status=422)


def _admin_edit(
    request: ActorRequest,
    row: Any,
    form: Any,
    *,
    save: Callable[[Any, Any, Any], object],
    set_active: Callable[[Any, Any, bool], object],
    message: str,
    template_name: str,
    context_name: str,
) -> HttpResponse:
    """Edit one template or phrase, or (POST `active=0|1`) take it out of or back into use."""
    if request.method == "POST" and "active" in request.POST:
        set_active(request.actor, row, request.POST["active"] == "1")
        return redirect("journal_templates")
    if request.method == "POST" and _saved(
        request, form, lambda: save(request.actor, form, row), message
    ):
        return redirect("journal_templates")
    status = 422 if request.method == "POST" else 200
    return render(request, template_name, {"form": form, context_name: row}, status=status)


@requires(Perm.RECORD_WRITE)
@require_http_methods(["GET", "POST"])
def journal_template_edit_view(request: ActorRequest, template_id: uuid.UUID) -> HttpResponse:
    template = note_templates.note_template_of(actor=request.actor, public_id=template_id)
    initial = {
        "name": template.name,
        "entry_type": template.entry_type,
        "headings": "\n".join(template.headings),
        "whole_organisation": template.unit_id is None,
        "position": template.position,
    }
    return _admin_edit(
        request,
        template,
        NoteTemplateForm(request.POST or None, initial=initial),
        save=_template_save,
        set_active=lambda actor, row, on: note_templates.note_template_set_active(
            actor=actor, template=row, is_active=on
        ),
        message=_("The template is saved."),
        template_name="records/template_edit.html",
        context_name="template",
    )


# Phrases -----------------------------------------------------------------------------------------


def _phrase_save(actor: Actor, form: PhraseForm, phrase: Phrase | None = None) -> None:
    phrases.phrase_save(
        actor=actor,
        phrase=phrase,
        shortcut=form.cleaned_data["shortcut"],
        text=form.cleaned_data["text"],
        scope=form.cleaned_data["scope"],
    )


def _phrases_context(request: ActorRequest, form: PhraseForm | None = None) -> dict[str, Any]:
    actor = request.actor
    rows = phrases.phrases_admin(actor=actor)
    return {
        "rows": [
            {
                "phrase": p,
                "scope": phrases.phrase_scope(p),
                "can_manage": phrases.phrase_can_manage(actor, p),
            }
            for p in rows
        ],
        "form": form or PhraseForm(prefix_id="new-phrase", scopes=phrases.phrase_scopes_for(actor)),
        "merge_fields": phrases.MERGE_FIELDS,
    }


@requires_any(Perm.RECORD_WRITE, Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def journal_phrases_view(request: ActorRequest) -> HttpResponse:
    """Phrases: the writer's own, the unit's and the organisation's; POST adds one."""
    actor = request.actor
    if actor.unit is None:
        raise Http404
    if request.method == "GET":
        return render(request, "records/phrases.html", _phrases_context(request))
    form = PhraseForm(request.POST, prefix_id="new-phrase", scopes=phrases.phrase_scopes_for(actor))
    if _saved(request, form, lambda: _phrase_save(actor, form), _("The phrase is saved.")):
        return redirect("journal_phrases")
    return render(request, "records/phrases.html", _phrases_context(request, form), status=422)


@requires_any(Perm.RECORD_WRITE, Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def journal_phrase_edit_view(request: ActorRequest, phrase_id: int) -> HttpResponse:
    """Edit one phrase, take it out of or back into use (`active=0|1`), or delete it
    (`delete=1`)."""
    actor = request.actor
    phrase = phrases.phrase_of(actor=actor, pk=phrase_id)
    if not phrases.phrase_can_manage(actor, phrase):
        raise PermissionDenied
    if request.method == "POST" and "delete" in request.POST:
        phrases.phrase_delete(actor=actor, phrase=phrase)
        messages.success(request, _("The phrase is deleted."))
        return redirect("journal_phrases")
    if request.method == "POST" and "active" in request.POST:
        phrases.phrase_set_active(
            actor=actor, phrase=phrase, is_active=request.POST["active"] == "1"
        )
        return redirect("journal_phrases")
    initial = {
        "shortcut": phrase.shortcut,
        "text": phrase.text,
        "scope": phrases.phrase_scope(phrase),
    }
    form = PhraseForm(
        request.POST or None, initial=initial, scopes=phrases.phrase_scopes_for(actor)
    )
    if request.method == "POST" and _saved(
        request, form, lambda: _phrase_save(actor, form, phrase), _("The phrase is saved.")
    ):
        return redirect("journal_phrases")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "phrase": phrase, "merge_fields": phrases.MERGE_FIELDS}
    return render(request, "records/phrase_edit.html", context, status=status)
