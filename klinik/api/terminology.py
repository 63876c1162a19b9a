"""Terminology over REST: type-ahead over SKS codes and glossary terms, Danish renderings.

Reference data, no patient data: any authenticated actor may use it.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router
from ninja.errors import HttpError

from klinik.api.types import Out
from klinik.core.http import ApiRequest
from klinik.terminology.selectors import KINDS, MAX_LIMIT, term_danish, terminology_search

router = Router(tags=["terminology"])


class TermHitOut(Out):
    kind: str
    code: str | None
    sks_register: str | None
    text: str
    latin: str | None
    danish: str | None
    plain: str | None
    score: float


class RenderingOut(Out):
    term: str
    danish: str
    plain: str | None
    source: str


@router.get(
    "/terminology/search", response=list[TermHitOut], summary="Type-ahead over codes and terms"
)
def terminology_search_endpoint(
    request: ApiRequest,
    q: str = "",
    limit: int = 20,
    kind: Query[list[str]] = [],  # noqa: B006  (only read, never changed)
) -> list[dict[str, Any]]:
    """`q`: a code prefix (`dj06`, `J06.9`), words of a code's Danish text by prefix in any
    order, or a Latin or Danish term; typing errors and æ/ae, ø/oe, å/aa are forgiven. Only
    codes valid today. `kind` (repeatable or comma-separated): diagnosis, procedure,
    other code, term."""
    if not q.strip():
        raise HttpError(422, "q: required")
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(422, f"limit: between 1 and {MAX_LIMIT}")
    kinds = {part.strip() for value in kind for part in value.split(",") if part.strip()}
    unknown = sorted(kinds - KINDS)
    if unknown:
        raise HttpError(422, f"kind: unknown {unknown[0]!r}; one of {', '.join(sorted(KINDS))}")
    hits = terminology_search(query=q, limit=limit, kinds=kinds or None)
    # Plain dicts: ninja validates the response once, against TermHitOut.
    return [
        {
            "kind": h.kind,
            "code": h.code,
            "sks_register": h.register,
            "text": h.text,
            "latin": h.latin,
            "danish": h.danish,
            "plain": h.plain,
            "score": h.score,
        }
        for h in hits
    ]


@router.get(
    "/terminology/danish", response=RenderingOut, summary="Danish form of a medical Latin term"
)
def terminology_danish_endpoint(request: ApiRequest, term: str = "") -> RenderingOut:
    """The glossary's Danish form and plain-language rendering (`source`: glossary), or the
    spelling rules' Danish form (`source`: rules, `plain` null)."""
    if not term.strip():
        raise HttpError(422, "term: required")
    rendering = term_danish(term=term)
    return RenderingOut(
        term=rendering.term,
        danish=rendering.danish,
        plain=rendering.plain,
        source=rendering.source,
    )
