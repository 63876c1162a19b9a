from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from klinik.core.models import Community, Membership, Organisation, Unit, User
from klinik.core.services import membership_admin_delete, membership_admin_save

admin.site.register(User, UserAdmin)
admin.site.register(Community)
admin.site.register(Organisation)
admin.site.register(Unit)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Role changes here reach the access log as those made in the staff screens do."""

    list_display = ("user", "role", "organisation", "unit", "community", "is_active")
    list_filter = ("role", "is_active")

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        membership_admin_save(user=request.user, membership=obj)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_admin_delete(user=request.user, membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset:
            membership_admin_delete(user=request.user, membership=membership)
