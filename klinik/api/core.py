from ninja import Router

from klinik.api.types import Out
from klinik.core.http import ApiRequest

router = Router(tags=["session"])


class MeOut(Out):
    username: str
    role: str
    organisation: str | None
    unit: str | None
    permissions: list[str]


@router.get("/me", response=MeOut, summary="Who the token acts for")
def me(request: ApiRequest) -> MeOut:
    actor = request.auth
    return MeOut(
        username=actor.user.username,
        role=actor.role.value,
        organisation=actor.organisation.slug if actor.organisation else None,
        unit=str(actor.unit.public_id) if actor.unit else None,
        permissions=sorted(p.value for p in actor.permissions),
    )
