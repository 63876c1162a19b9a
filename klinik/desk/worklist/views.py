"""The work queue screen ("Arbejdsliste"): everything that waits for the user or their unit,
most urgent first, with filters, counts per kind and "assign to me". Thin: parse the filters →
worklist selector → page; the take button → the kind's own service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.desk.worklist.forms import WorklistFilterForm
from klinik.desk.worklist.markup import worklist_rows_html
from klinik.worklist.selectors import worklist_page, worklist_people, worklist_units
from klinik.worklist.services import worklist_take


@requires(Perm.PATIENT_VIEW)
@require_GET
def worklist_view(request: ActorRequest) -> HttpResponse:
    actor = request.actor
    own_unit = frozenset({actor.unit.pk}) if actor.unit is not None else None
    people = worklist_people(actor=actor, unit_ids=own_unit)
    form = WorklistFilterForm(
        request.GET or None, actor=actor, units=list(worklist_units(actor=actor)), people=people
    )
    page = worklist_page(
        actor=actor, chosen=form.chosen(), offset=form.page_offset(), channel=Channel.UI
    )
    names = {p.pk: p.get_full_name() or p.username for p in people}
    query = request.GET.copy()
    query.pop("offset", None)
    context = {
        "selects": form.selects(),
        "page": page,
        "rows": page.rows,
        "rows_html": worklist_rows_html(
            [(row, names.get(row.item.assignee_id or 0, "")) for row in page.rows]
        ),
        "query": query.urlencode(),
        "kind_query": _without(query, "kind"),
        "chosen_kind": request.GET.get("kind", ""),
        "here": request.get_full_path(),
    }
    template = "desk/worklist/_list.html" if request.htmx else "desk/worklist/list.html"
    return render(request, template, context)


def _without(query: object, key: str) -> str:
    from django.http import QueryDict

    assert isinstance(query, QueryDict)
    rest = query.copy()
    rest.pop(key, None)
    return rest.urlencode()


@requires(Perm.PATIENT_VIEW)
@require_POST
def worklist_take_view(request: ActorRequest) -> HttpResponse:
    """ "Assign to me" from the list: the item's kind takes it; back to the same list."""
    kind, _sep, item_id = request.POST.get("item", "").partition(":")
    try:
        worklist_take(actor=request.actor, kind=kind, item_id=item_id)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Assigned to you."))
    back = request.POST.get("next", "")
    if not back.startswith(reverse("worklist")) or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        back = reverse("worklist")
    return redirect(back)
