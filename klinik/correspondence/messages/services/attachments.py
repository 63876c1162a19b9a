"""Attachments of a CareCommunication (a letter PDF, a scan, a photo): checked as the record's
documents are (PDF, JPEG or PNG by their content; a PDF without scripts; an image that decodes,
ADR 0009) and held to MedCom's smaller size, then carried base64 in the Communication's
payload."""

from __future__ import annotations

import base64
import io

from django.utils import timezone

from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.errors import MessageCode, MessageError
from klinik.records.documents.services import title_clean
from klinik.records.documents.uploads import DOCUMENT_KINDS, upload_check
from klinik.records.errors import RecordError

ATTACHMENT_MAX_MB = 5  # a message is not a file transfer: letters and scans, not films
ATTACHMENT_MAX_BYTES = ATTACHMENT_MAX_MB * 1024 * 1024
ATTACHMENTS_MAX = 5


def attachment_check(
    *, data: bytes, title: str, filename: str = "", field: str = "attachment"
) -> fhir.Attachment:
    """One attachment, checked; MessageError at `field` (a 422 in the API) when it is empty,
    too large, of a refused type, damaged or active."""
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise MessageError(
            MessageCode.ATTACHMENT_REFUSED,
            MessageError.ATTACHMENT_TOO_LARGE % {"max": ATTACHMENT_MAX_MB},
            field,
        )
    try:
        checked = upload_check(upload=io.BytesIO(data), kinds=DOCUMENT_KINDS, field=field)
    except RecordError as exc:
        raise MessageError(MessageCode.ATTACHMENT_REFUSED, exc.message, field) from exc
    return fhir.Attachment(
        content_type=checked.content_type,
        title=title_clean(title, filename),
        data_base64=base64.b64encode(data).decode("ascii"),
        created=timezone.now(),
    )


def attachments_check(
    items: list[tuple[bytes, str]], field: str = "attachments"
) -> tuple[fhir.Attachment, ...]:
    """Several (data, title) pairs; at most ATTACHMENTS_MAX."""
    if len(items) > ATTACHMENTS_MAX:
        raise MessageError(
            MessageCode.ATTACHMENT_REFUSED,
            MessageError.ATTACHMENTS_TOO_MANY % {"max": ATTACHMENTS_MAX},
            field,
        )
    return tuple(
        attachment_check(data=data, title=title, field=f"{field}[{index}]" if index else field)
        for index, (data, title) in enumerate(items)
    )
