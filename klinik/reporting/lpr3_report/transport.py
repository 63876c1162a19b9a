"""The transport adapter to the national patient register (LPR3).

The real transport — an HL7 CDA document per patient, sent with IHE XDR (ITI-41) and secured
with DGWS/FOCES — is out of reach from here. `Lpr3Transport` is the seam: `send` takes one
patient's report with its set id and version and answers the kept submission. The local backend
(`LocalTransport`, the default) keeps each report as it would be sent, in the table
`Lpr3Submission`. Versioning follows the domain notes §3.3: one set id per patient, constant;
version 1, 2, … one per send; a new document id each version (ADR 0032).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from klinik.reporting.lpr3_report.models import Lpr3Submission


class Lpr3Transport(Protocol):
    name: str

    def send(
        self,
        *,
        organisation_id: int,
        patient_id: int,
        set_id: uuid.UUID,
        version: int,
        document: dict[str, Any],
        sent_at: datetime,
        sent_by_id: int | None,
    ) -> Lpr3Submission: ...


class LocalTransport:
    """Keeps the report as sent, in the database (no network)."""

    name = "local"

    def send(
        self,
        *,
        organisation_id: int,
        patient_id: int,
        set_id: uuid.UUID,
        version: int,
        document: dict[str, Any],
        sent_at: datetime,
        sent_by_id: int | None,
    ) -> Lpr3Submission:
        return Lpr3Submission.objects.create(
            organisation_id=organisation_id,
            patient_id=patient_id,
            set_id=set_id,
            version=version,
            document=document,
            backend=self.name,
            sent_at=sent_at,
            sent_by_id=sent_by_id,
        )


def lpr3_transport() -> Lpr3Transport:
    """The configured transport: only the local backend exists."""
    return LocalTransport()
