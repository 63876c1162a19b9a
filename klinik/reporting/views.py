"""The retention report (journalføringsbekendtgørelsen: records kept at least ten years from
the latest entry). It lists; it deletes nothing (ADR 0017)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from klinik.audit.choices import Action, Channel
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.patients.selectors import RETENTION_YEARS, RetentionRow, patients_past_retention

PER_PAGE = 100

# ?sort= → the key rows are ordered by; "-" first for the reverse. Oldest record first by default.
SORTS: dict[str, Callable[[RetentionRow], Any]] = {
    "last_entry": lambda r: (r.last_entry, r.sort_name),
    "name": lambda r: (r.sort_name, r.last_entry),
}
DEFAULT_SORT = "last_entry"


def _sorted(rows: list[RetentionRow], sort: str) -> tuple[list[RetentionRow], str]:
    """The rows in the asked order, and the order used (an unknown one falls back)."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        return rows, DEFAULT_SORT  # the selector gives them oldest first
    return sorted(rows, key=SORTS[key], reverse=sort.startswith("-")), sort


@requires(Perm.REPORT_RETENTION)
@require_GET
def retention_report_view(request: ActorRequest) -> HttpResponse:
    """Count and table of the records past the limit; htmx (a sort or page link) gets the
    table only. One access-log entry per showing."""
    rows = patients_past_retention(actor=request.actor, channel=Channel.UI)
    rows, sort = _sorted(rows, request.GET.get("sort", DEFAULT_SORT))
    context = {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page") or 1),
        "count": len(rows),
        "sort": sort,
        "years": RETENTION_YEARS,
        "today": timezone.localdate(),
    }
    if request.htmx:
        return render(request, "reporting/partials/_retention_table.html", context)
    return render(request, "reporting/retention.html", context)


# A cell that starts like a formula is read as text by a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def retention_csv(rows: list[RetentionRow]) -> str:
    """Semicolons and a byte-order mark: Excel with Danish settings opens it as columns, with
    æøå intact. Dates in ISO form, which every spreadsheet reads as dates."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Name"),
            _("CPR number"),
            _("Latest entry"),
            _("May be deleted from"),
            _("Date of death"),
            _("Patient id"),
        ]
    )
    for r in rows:
        writer.writerow(
            [
                _cell(r.name),
                r.cpr_masked,
                r.last_entry.isoformat(),
                r.deletable_from.isoformat(),
                r.deceased_date.isoformat() if r.deceased_date else "",
                str(r.public_id),
            ]
        )
    return out.getvalue()


@requires(Perm.REPORT_RETENTION)
@require_GET
def retention_export_view(request: ActorRequest) -> HttpResponse:
    """The whole list as CSV (logged as an export)."""
    rows = patients_past_retention(actor=request.actor, channel=Channel.UI, action=Action.EXPORT)
    rows, _sort = _sorted(rows, request.GET.get("sort", DEFAULT_SORT))
    response = HttpResponse(retention_csv(rows), content_type="text/csv; charset=utf-8")
    # The file name carries no personal data.
    name = f"opbevaring-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
