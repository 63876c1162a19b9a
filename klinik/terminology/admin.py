"""Read-only: codes come from SKS imports, the glossary from data/glossary.tsv (reviewed in
version control); `klinik terminology` changes them, so that every change is an ImportRun."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from klinik.terminology.models import GlossaryTerm, ImportRun, SKSCode

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Model]
else:  # Django's ModelAdmin takes no type argument at run time
    _ModelAdmin = admin.ModelAdmin


class _ReadOnly(_ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(SKSCode)
class SKSCodeAdmin(_ReadOnly):
    list_display = ["code", "register", "text", "valid_from", "valid_to", "source"]
    list_filter = ["register", "source"]
    search_fields = ["code", "text"]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(_ReadOnly):
    list_display = ["latin", "danish", "plain", "category", "regular"]
    list_filter = ["category", "regular"]
    search_fields = ["latin", "danish", "plain"]


@admin.register(ImportRun)
class ImportRunAdmin(_ReadOnly):
    list_display = [
        "started_at",
        "kind",
        "file_name",
        "rows_read",
        "rows_created",
        "rows_updated",
        "rows_closed",
        "problems",
    ]
    list_filter = ["kind"]
