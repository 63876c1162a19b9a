from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    _MembershipAdminBase = admin.ModelAdmin[Membership]
else:  # Django's ModelAdmin takes no type argument at run time
    _MembershipAdminBase = admin.ModelAdmin


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the admin lets in logged-in staff only
    return user


@admin.register(Membership)
class MembershipAdmin(_MembershipAdminBase):
    """Role changes here reach the access log as those made in the staff screens do."""

    list_display = ("user", "role", "organisation", "unit", "community", "is_active")
    list_filter = ("role", "is_active")

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        membership_admin_save(user=_user(request), membership=obj)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_admin_delete(user=_user(request), membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset:
            membership_admin_delete(user=_user(request), membership=membership)
