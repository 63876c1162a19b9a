"""The outbox screen: every message to patients, filterable; a failed one can be resent."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.correspondence.access import access_outbox_message
from klinik.correspondence.errors import OutboxError
from klinik.correspondence.forms import OutboxFilterForm
from klinik.correspondence.selectors import outbox_messages
from klinik.correspondence.services import outbox_message_resend


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def outbox_view(request: ActorRequest) -> HttpResponse:
    """The list; htmx (the filters) gets the table only."""
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = outbox_messages(actor=request.actor, page=request.GET.get("page") or 1, **filters)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_resend": request.actor.can(Perm.SCHEDULE_BOOK),
    }
    if request.htmx:
        return render(request, "correspondence/partials/_outbox_table.html", context)
    return render(request, "correspondence/outbox.html", context)


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def outbox_message_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """One message with its text (logged); htmx gets the text only, shown in the list."""
    message = access_outbox_message(actor=request.actor, public_id=public_id)
    context = {"message": message, "can_resend": request.actor.can(Perm.SCHEDULE_BOOK)}
    if request.htmx:
        return render(request, "correspondence/partials/_message.html", context)
    return render(request, "correspondence/message.html", context)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def outbox_message_resend_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    message = access_outbox_message(actor=request.actor, public_id=public_id, for_update=True)
    try:
        outbox_message_resend(actor=request.actor, message=message)
    except OutboxError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The message is queued to be sent again."))
    return redirect("outbox_message", public_id=message.public_id)
