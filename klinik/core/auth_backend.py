"""The login backend: Django's ModelBackend, whose read of the session's user also brings the
user's active memberships. Every page needs both (the actor is resolved from them), so one
query serves where two did."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from klinik.core.models import Membership, User

MEMBERSHIP_ORDER = ("organisation__name", "unit__name", "community__name", "id")


class MembershipBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        memberships = list(
            Membership.objects.filter(user_id=user_id, is_active=True)
            .select_related("user", "organisation", "unit", "community")
            .order_by(*MEMBERSHIP_ORDER)
        )
        if not memberships:  # no active membership: the actor middleware logs the user out
            return super().get_user(user_id)
        user = memberships[0].user
        if not self.user_can_authenticate(user):
            return None
        for membership in memberships:
            membership.user = user
        user.active_memberships = memberships  # type: ignore[attr-defined]
        return user
