from django.http import HttpRequest
from ninja.security import HttpBearer

from klinik.core.api_tokens import api_token_actor
from klinik.core.policy import Actor


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token acts for one user in one organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = api_token_actor(raw=token)
        if actor is not None:
            request.actor = actor  # type: ignore[attr-defined]
        return actor
