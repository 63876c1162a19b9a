"""The batch letters screen ("Breve til mange"): choose a unit and a day, see its booked and
cancelled appointments (all ticked), choose a template and a channel, and send; then the
batch with each letter's status. Thin: parse → selector or service → page."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from klinik.core.errors import DomainError
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.correspondence.letters.batch.forms import BatchDayForm, BatchSendForm
from klinik.correspondence.letters.batch.selectors import (
    batch_appointments,
    batch_appointments_chosen,
    letter_batch_get,
    letter_batch_letters,
    letter_batch_list,
)
from klinik.correspondence.letters.batch.services import letter_batch_send
from klinik.correspondence.letters.choices import LetterStatus
from klinik.correspondence.letters.selectors import letter_templates_for


@requires(Perm.RECORD_WRITE)
@require_http_methods(["GET", "POST"])
def letter_batch_new_view(request: ActorRequest) -> HttpResponse:
    actor = request.actor
    units = {
        str(u.public_id): u
        for u in Unit.objects.filter(organisation_id__in=actor.organisation_ids).order_by("name")
    }
    data = request.POST if request.method == "POST" else request.GET
    default_unit = str(actor.unit.public_id) if actor.unit else next(iter(units), "")
    day_form = BatchDayForm(
        {"unit": data.get("unit", default_unit), "day": data.get("day", str(timezone.localdate()))},
        units=[(key, u.name) for key, u in units.items()],
    )
    unit: Unit | None = None
    day: date | None = None
    appointments = []
    if day_form.is_valid():
        unit, day = units[day_form.cleaned_data["unit"]], day_form.cleaned_data["day"]
        appointments = batch_appointments(actor=actor, unit=unit, day=day)
    templates = list(letter_templates_for(actor=actor, unit_id=unit.pk if unit else None))
    by_key = {str(t.public_id): t for t in templates}
    send_form = BatchSendForm(
        request.POST if request.method == "POST" else None,
        templates=[(key, t.title) for key, t in by_key.items()],
    )
    chosen = set(request.POST.getlist("appointments")) if request.method == "POST" else None
    if request.method == "POST" and send_form.is_valid():
        try:
            batch = letter_batch_send(
                actor=actor,
                template=by_key[send_form.cleaned_data["template"]],
                appointments=batch_appointments_chosen(
                    actor=actor, public_ids=request.POST.getlist("appointments")
                ),
                channel=send_form.cleaned_data["channel"],
                title=send_form.cleaned_data["title"]
                or _("Letters for %(day)s") % {"day": day.strftime("%d.%m.%Y") if day else ""},
                unit=unit,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The letters are written and sent."))
            return redirect("letter_batch", public_id=batch.public_id)
    return render(
        request,
        "correspondence/letters/batch_new.html",
        {
            "day_form": day_form,
            "send_form": send_form,
            "appointments": appointments,
            "chosen": chosen,
            "batches": letter_batch_list(actor=actor),
        },
        status=422 if request.method == "POST" else 200,
    )


@requires(Perm.RECORD_READ)
@require_GET
def letter_batch_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    batch = letter_batch_get(actor=request.actor, public_id=public_id)
    letters = letter_batch_letters(actor=request.actor, batch=batch)
    counts = dict.fromkeys(LetterStatus.values, 0)
    for letter in letters:
        counts[letter.status] += 1
    return render(
        request,
        "correspondence/letters/batch.html",
        {
            "batch": batch,
            "letters": letters,
            "counts": [(label, counts[value]) for value, label in LetterStatus.choices],
        },
    )
