"""LPR3 over REST: the dry-run validation of one patient's report against the SDS business rules
(issue 18 §3). Parse, call the engine, serialise.

The document is validated as sent: nothing about a patient is read from the database (only SKS
codes and the organisation's SOR units), so no access-log entry is written (ADR 0031).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import JsonResponse
from ninja import Router
from ninja.errors import HttpError

from klinik.api.types import Out
from klinik.core.http import ApiRequest
from klinik.core.policy import Perm, require
from klinik.reporting.lpr3.document import DocumentError
from klinik.reporting.lpr3.engine import organisation_units, validate

router = Router(tags=["lpr3"])


class FindingOut(Out):
    rule: str
    severity: str
    message: str
    path: str


class ValidationOut(Out):
    errors: list[FindingOut]


@router.post(
    "/lpr3/validate",
    response={200: ValidationOut},
    summary="Validate one patient's LPR3 report against the business rules (dry run)",
    description="The body is the report document (issue 18 §3: `indberetningstidspunkt`, "
    "`patient`, `forloebselementer` with their `kontakter`). 200 with `errors` (each `rule`, "
    "`severity` ERROR or WARNING, Danish `message`, `path`), also when rules are broken: an "
    "unknown code or a time that cannot be read is reported as the rule it breaks. 400 when the "
    "body is not JSON; 422 naming `field` when `patient` or `forloebselementer` is missing or a "
    "part has the wrong shape. Responsible and stay units are looked up by SOR code among the "
    "organisation's units.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def lpr3_validate(request: ApiRequest) -> dict[str, Any] | JsonResponse:
    actor = require(request.auth, Perm.RECORD_WRITE)
    try:
        document = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HttpError(400, "the body is not JSON") from exc
    try:
        findings = validate(document, sor_source=organisation_units(actor.organisation))
    except DocumentError as exc:
        body = {"detail": f"{exc.field}: {exc.message}", "code": "invalid", "field": exc.field}
        return JsonResponse(body, status=422)
    return {"errors": [finding.as_dict() for finding in findings]}
