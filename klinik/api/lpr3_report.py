"""REST endpoints of a patient's LPR3 report built from Klinik's data (issue 18): the report
itself (the same JSON `POST /lpr3/validate` takes), re-validation into the error list, and
sending it through the transport adapter. Parse, call, serialise.

Every read goes through the patient access function (logged). Sending a report with errors
answers 409 `lpr3_has_errors`; a patient without pathways 409 `lpr3_nothing_to_send`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ninja import Router

from klinik.api.types import Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.reporting.lpr3_report.document import patient_report
from klinik.reporting.lpr3_report.services import lpr3_patient_revalidate, lpr3_patient_send

router = Router(tags=["lpr3"])


class RevalidatedOut(Out):
    found: int
    fixed: int
    open: int


class SubmissionOut(Out):
    set_id: uuid.UUID
    version: int
    document_id: uuid.UUID
    sent_at: datetime
    transport: str


@router.get(
    "/lpr3/patients/{patient_id}",
    response=dict[str, Any],
    summary="A patient's LPR3 report, built from the pathways and contacts",
)
def lpr3_patient_report(request: ApiRequest, patient_id: uuid.UUID) -> dict[str, Any]:
    return patient_report(actor=request.auth, public_id=patient_id, channel=Channel.API).document


@router.post(
    "/lpr3/patients/{patient_id}/revalidate",
    response=RevalidatedOut,
    summary="Validate the patient's report again into the error list",
)
def lpr3_patient_revalidate_api(request: ApiRequest, patient_id: uuid.UUID) -> RevalidatedOut:
    result = lpr3_patient_revalidate(actor=request.auth, public_id=patient_id, channel=Channel.API)
    return RevalidatedOut(found=result.found, fixed=result.fixed, open=result.open)


@router.post(
    "/lpr3/patients/{patient_id}/send",
    response={201: SubmissionOut},
    summary="Send the patient's report to LPR (the transport adapter) when it has no errors",
)
def lpr3_patient_send_api(request: ApiRequest, patient_id: uuid.UUID) -> tuple[int, SubmissionOut]:
    sent = lpr3_patient_send(actor=request.auth, public_id=patient_id, channel=Channel.API)
    return 201, SubmissionOut(
        set_id=sent.set_id,
        version=sent.version,
        document_id=sent.document_id,
        sent_at=sent.sent_at,
        transport=sent.backend,
    )
