from typing import Any

from django.conf import settings
from django.http import HttpRequest

from klinik.core.policy import Perm


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: the actor, the context switcher, permissions by name."""
    actor = getattr(request, "actor", None)
    return {
        "actor": actor,
        "memberships": getattr(request, "memberships", []),
        "perms_held": {p.name: True for p in Perm if actor is not None and actor.can(p)},
        "idle_timeout_seconds": settings.KLINIK_IDLE_TIMEOUT_MINUTES * 60,
        "is_demo": settings.DEMO,
    }
