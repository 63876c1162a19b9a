"""DRG screens: the values per unit and month, the import (upload, preview with the errors
per line, import), and a pathway's values."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from klinik.audit.choices import Channel
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.pathways.access import access_pathway
from klinik.reporting.drg.errors import DrgError
from klinik.reporting.drg.forms import DrgConfirmForm, DrgUploadForm, DrgYearForm
from klinik.reporting.drg.selectors import (
    drg_imports_recent,
    drg_pathway_values,
    drg_unit_table,
)
from klinik.reporting.drg.services import DrgPreview, drg_import, drg_preview
from klinik.reporting.units import report_units


@requires(Perm.REPORT_DASHBOARD)
@require_GET
def drg_overview_view(request: ActorRequest) -> HttpResponse:
    """The values imported per unit (rows) and month (columns) of a year."""
    today = timezone.localdate()
    form = DrgYearForm(request.GET or {"year": today.year})
    year = form.cleaned_data["year"] if form.is_valid() else today.year
    table = drg_unit_table(
        actor=request.actor,
        units=report_units(actor=request.actor),
        first=date(year, 1, 1),
        last=date(year, 12, 31),
    )
    context = {
        "form": form,
        "year": year,
        "table": table,
        "imports": drg_imports_recent(actor=request.actor),
        "can_import": request.actor.can(Perm.DRG_IMPORT),
    }
    return render(
        request, "reporting/drg/overview.html", context, status=200 if form.is_valid() else 422
    )


def _import_page(
    request: ActorRequest,
    form: DrgUploadForm,
    preview: DrgPreview | None = None,
    confirm: DrgConfirmForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "preview": preview, "confirm": confirm}
    return render(request, "reporting/drg/import.html", context, status=status)


@requires(Perm.DRG_IMPORT)
@require_http_methods(["GET", "POST"])
def drg_import_view(request: ActorRequest) -> HttpResponse:
    """GET: the upload form. POST with a file: the preview (nothing written). POST with the
    confirmation: the import, all lines or none."""
    actor = request.actor
    if request.method == "GET":
        return _import_page(request, DrgUploadForm())
    if "content" in request.POST:
        confirm = DrgConfirmForm(request.POST)
        if not confirm.is_valid():
            return _import_page(request, DrgUploadForm(), status=422)
        text: bytes = confirm.cleaned_data["content"].encode("utf-8")
        try:
            imported = drg_import(
                actor=actor, file_name=confirm.cleaned_data["file_name"], data=text
            )
        except DrgError as error:  # the data changed since the preview (a contact gone)
            preview = drg_preview(actor=actor, data=text)
            form = DrgUploadForm()
            form.add_error(None, error.message)
            return _import_page(request, form, preview, status=422)
        messages.success(
            request,
            _("%(count)d DRG values imported for %(months)s.")
            % {"count": imported.line_count, "months": ", ".join(p[:7] for p in imported.periods)},
        )
        return redirect("drg_overview")
    form = DrgUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=422)
    data: bytes = form.cleaned_data["file"]
    preview = drg_preview(actor=actor, data=data)
    if not preview.is_valid:
        return _import_page(request, form, preview, status=422)
    confirm = DrgConfirmForm(
        initial={"content": data.decode("utf-8-sig"), "file_name": form.file_name}
    )
    return _import_page(request, DrgUploadForm(), preview, confirm)


@requires(Perm.REPORT_DASHBOARD, Perm.PATHWAY_VIEW)
@require_GET
def drg_pathway_view(request: ActorRequest, pathway_id: str) -> HttpResponse:
    """A pathway's DRG values (its own and its contacts'); the pathway is opened through its
    door (404 across organisations, the read in the access log)."""
    pathway = access_pathway(actor=request.actor, public_id=pathway_id, channel=Channel.UI)
    values = drg_pathway_values(pathway=pathway)
    return render(request, "reporting/drg/pathway.html", {"pathway": pathway, "drg": values})
