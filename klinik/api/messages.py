"""MedCom messages over REST (issue 15 item 3): send a CareCommunication, read a message's
Bundle as FHIR JSON, post a received Bundle to the inbox. The names of endpoints and fields
are the issue's contract."""

from __future__ import annotations

import base64
import binascii
import json
import uuid

from django.http import HttpResponse
from ninja import Field, Router, Schema

from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.access import access_care_message
from klinik.correspondence.messages.choices import CareCategory
from klinik.correspondence.messages.services import (
    attachments_check,
    care_message_receive,
    care_message_send,
)
from klinik.patients.access import access_patient

router = Router(tags=["messages"])

INBOX_MAX_BYTES = 10 * 1024 * 1024  # a Bundle with a letter PDF or two


class RecipientIn(Schema):
    sor: str = Field(default="", max_length=20)
    ean: str = Field(default="", max_length=13)
    name: str = Field(..., min_length=1, max_length=200)


class AttachmentIn(Schema):
    title: str = Field(default="", max_length=200)
    data: str = Field(..., min_length=1, description="the file, base64 (PDF, JPEG or PNG)")


class CareCommunicationIn(Schema):
    patient: uuid.UUID
    recipient: RecipientIn
    category: CareCategory
    topic: str = Field(default="", max_length=200)
    text: str = Field(..., min_length=1, max_length=20_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)


class MessageCreated(Schema):
    id: uuid.UUID
    status: str


@router.post(
    "/messages/care-communication",
    response={201: MessageCreated},
    summary="Send a CareCommunication (korrespondancemeddelelse)",
)
def care_communication_send(
    request: ApiRequest, payload: CareCommunicationIn
) -> HttpResponse | tuple[int, MessageCreated]:
    """Builds the MedCom message Bundle from the organisation's own SOR/EAN (the partner
    directory's "own" row) to `recipient`, stores and sends it. `status`: sent, or failed
    (the message then waits in the work queue). `attachments`: up to 5 files, base64, each a
    PDF, JPEG or PNG of at most 5 MB (checked by content; refused: 422 naming the attachment)."""
    patient = access_patient(
        actor=request.auth,
        public_id=payload.patient,
        channel=Channel.API,
        is_logged_by_caller=True,
    )
    files: list[tuple[bytes, str]] = []
    for index, item in enumerate(payload.attachments):
        try:
            files.append((base64.b64decode(item.data, validate=True), item.title))
        except (ValueError, binascii.Error):
            return _error(422, f"attachments[{index}].data is not base64", "attachment_refused")
    message = care_message_send(
        actor=request.auth,
        patient=patient,
        attachments=attachments_check(files),
        recipient=fhir.Party(
            sor=payload.recipient.sor, ean=payload.recipient.ean, name=payload.recipient.name
        ),
        category=payload.category,
        topic=payload.topic,
        text=payload.text,
        channel=Channel.API,
    )
    return 201, MessageCreated(id=message.public_id, status=message.status)


@router.get(
    "/messages/{message_id}/fhir",
    summary="A message's Bundle as FHIR JSON",
    response={200: dict},
    openapi_extra={"responses": {200: {"content": {"application/fhir+json": {}}}}},
)
def care_message_fhir(request: ApiRequest, message_id: uuid.UUID) -> HttpResponse:
    """The message Bundle exactly as sent or received (`application/fhir+json`)."""
    message = access_care_message(actor=request.auth, public_id=message_id, channel=Channel.API)
    return HttpResponse(
        json.dumps(message.bundle, ensure_ascii=False),
        content_type="application/fhir+json; charset=utf-8",
    )


class InboxAccepted(Schema):
    id: uuid.UUID
    patient: uuid.UUID | None
    acknowledgement: uuid.UUID | None


@router.post(
    "/messages/inbox",
    response={202: InboxAccepted},
    summary="Receive a MedCom message Bundle",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/fhir+json": {"schema": {"type": "object"}}},
        }
    },
)
def care_message_inbox(request: ApiRequest) -> HttpResponse | tuple[int, InboxAccepted]:
    """Takes a CareCommunication or Acknowledgement Bundle. 400: not JSON; 422: not a message
    Bundle, or what is missing (`field` names the FHIR path). A CPR number that matches no
    patient is accepted (`patient` null) and waits in the work queue. `acknowledgement`: the
    id of the positive acknowledgement (FCTL) sent back."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if (int(declared) if declared.isdigit() else 0) > INBOX_MAX_BYTES:
        return _error(413, "the Bundle is larger than 10 MB", "too_large")  # before reading it
    if len(request.body) > INBOX_MAX_BYTES:
        return _error(413, "the Bundle is larger than 10 MB", "too_large")
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the body is not JSON", "bad_request")
    received = care_message_receive(actor=request.auth, document=document, channel=Channel.API)
    message = received.message
    return 202, InboxAccepted(
        id=message.public_id,
        patient=message.patient.public_id if message.patient else None,
        acknowledgement=received.acknowledgement.public_id if received.acknowledgement else None,
    )


def _error(status: int, detail: str, code: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"detail": detail, "code": code}), status=status, content_type="application/json"
    )
