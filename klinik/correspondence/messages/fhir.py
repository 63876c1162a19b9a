"""MedCom CareCommunication (FDIS91) and Acknowledgement (FCTL) message Bundles, FHIR R4, built
as JSON and checked with `fhir.resources` (its R4B models: R4's structures for every resource
used here, see ADR 0020), and parsed back. No database here: plain values in, plain values
out, so the bench can build and validate thousands without a request.

Profiles and systems follow MedCom's implementation guides (dk-medcom-carecommunication,
dk-medcom-messaging, dk-medcom-core; terminology in dk-medcom-terminology)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

SYSTEM_CPR = "urn:oid:1.2.208.176.1.2"
SYSTEM_SOR = "urn:oid:1.2.208.176.1.1"
SYSTEM_EAN = "urn:oid:1.3.88"
SOR_URL = "https://sor2.sum.dsdn.dk/#id="
TERMINOLOGY = "http://medcomfhir.dk/ig/terminology/CodeSystem/"
EVENTS = TERMINOLOGY + "medcom-messaging-eventCodes"
CATEGORIES = TERMINOLOGY + "medcom-careCommunication-categoryCodes"
ACTIVITIES = TERMINOLOGY + "medcom-messaging-activityCodes"
DESTINATION_USE = TERMINOLOGY + "medcom-messaging-destinationUse"
CC = "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/"
MESSAGING = "http://medcomfhir.dk/ig/messaging/StructureDefinition/"
CORE = "http://medcomfhir.dk/ig/core/StructureDefinition/"
EXT_DATE = CORE + "medcom-core-datetime-extension"
EXT_AUTHOR = CORE + "medcom-core-practitioner-extension"
EXT_CONTACT = CORE + "medcom-core-contact-extension"
EXT_IDENTIFIER = CORE + "medcom-core-identifier-extension"
EXT_USE = MESSAGING + "medcom-messaging-destinationUseExtension"
DEFINITION = (
    "http://medcomfhir.dk/ig/messagedefinitions/MessageDefinition/"
    "MedComCareCommunicationMessageDefinition|5.0"
)
EVENT_CARE = "care-communication-message"
EVENT_ACK = "acknowledgement-message"
FULL_URL = "urn:uuid:"


@dataclass(frozen=True)
class Party:
    """A sender or receiver organisation: SOR id, EAN location number and name."""

    sor: str
    ean: str
    name: str


@dataclass(frozen=True)
class Segment:
    """One payload text segment: who wrote it, when, how to reach them."""

    identifier: uuid.UUID
    at: datetime
    author: str
    contact: str
    text: str


@dataclass(frozen=True)
class Attachment:
    content_type: str
    title: str
    data_base64: str
    created: datetime


@dataclass(frozen=True)
class CareCommunication:
    """Everything one CareCommunication message says. `segments`: the newest first."""

    header_id: uuid.UUID
    communication_id: uuid.UUID
    at: datetime
    sender: Party
    receiver: Party
    cpr: str
    given_name: str
    family_name: str
    category: str
    topic: str
    segments: tuple[Segment, ...]
    activity: str = "new-message"
    replies_to: uuid.UUID | None = None  # the MessageHeader id of the message answered
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Acknowledgement:
    header_id: uuid.UUID
    at: datetime
    sender: Party
    receiver: Party
    acknowledges: uuid.UUID  # the MessageHeader id of the message received
    code: str = "ok"


@dataclass
class BundleInvalid(Exception):
    """The document is not a message Bundle we can take: `missing` names what is missing or
    wrong (a path such as "MessageHeader.eventCoding" or "Communication")."""

    missing: str
    problem: str = ""
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.missing}: {self.problem}" if self.problem else self.missing


# Building -------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _ref(kind: str, key: uuid.UUID) -> dict[str, str]:
    return {"reference": f"{FULL_URL}{key}", "type": kind}


def _organisation(key: uuid.UUID, party: Party) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": str(key),
        "meta": {"profile": [MESSAGING + "medcom-messaging-organization"]},
        "identifier": [
            {"system": SYSTEM_SOR, "value": party.sor},
            {"system": SYSTEM_EAN, "value": party.ean},
        ],
        "name": party.name,
    }


def _narrative(text: str) -> dict[str, str]:
    from html import escape

    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{escape(text)}</div>',
    }


def _header(
    key: uuid.UUID,
    event: str,
    sender_key: uuid.UUID,
    receiver_key: uuid.UUID,
    sender: Party,
    receiver: Party,
) -> dict[str, Any]:
    return {
        "resourceType": "MessageHeader",
        "id": str(key),
        "eventCoding": {"system": EVENTS, "code": event},
        "destination": [
            {
                "extension": [
                    {"url": EXT_USE, "valueCoding": {"system": DESTINATION_USE, "code": "primary"}}
                ],
                "endpoint": SOR_URL + receiver.sor,
                "receiver": _ref("Organization", receiver_key),
            }
        ],
        "sender": _ref("Organization", sender_key),
        "source": {"endpoint": SOR_URL + sender.sor},
    }


def _key(seed: uuid.UUID, name: str) -> uuid.UUID:
    """A resource id derived from the header's: the same message always builds the same
    Bundle (the stored copy and a rebuilt one are equal)."""
    return uuid.uuid5(seed, name)


def care_communication_build(message: CareCommunication) -> dict[str, Any]:
    """The message Bundle as JSON-ready data (not yet validated: see bundle_validate)."""
    h = message.header_id
    sender_key, receiver_key = _key(h, "sender"), _key(h, "receiver")
    patient_key, communication_key = _key(h, "patient"), _key(h, "communication")
    provenance_key = _key(h, "provenance")
    header = _header(h, EVENT_CARE, sender_key, receiver_key, message.sender, message.receiver)
    header["focus"] = [_ref("Communication", communication_key)]
    header["definition"] = DEFINITION
    header["meta"] = {"profile": [CC + "medcom-careCommunication-messageHeader"]}
    patient = {
        "resourceType": "Patient",
        "id": str(patient_key),
        "meta": {
            "profile": ["http://medcomfhir.dk/ig/core/StructureDefinition/medcom-core-patient"]
        },
        "identifier": [{"system": SYSTEM_CPR, "value": message.cpr}],
        "name": [
            {
                "use": "official",
                "family": message.family_name,
                "given": [message.given_name] if message.given_name else [],
            }
        ],
    }
    payload: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for segment in message.segments:
        author_key = _key(segment.identifier, "author")
        people.append(
            {
                "resourceType": "Practitioner",
                "id": str(author_key),
                "name": [{"text": segment.author}],
            }
        )
        extensions: list[dict[str, Any]] = [
            {"url": EXT_DATE, "valueDateTime": _iso(segment.at)},
            {
                "url": EXT_IDENTIFIER,
                "valueIdentifier": {
                    "value": f"urn:uuid:{segment.identifier}",
                    "assigner": _ref("Organization", sender_key),
                },
            },
            {"url": EXT_AUTHOR, "valueReference": _ref("Practitioner", author_key)},
        ]
        if segment.contact:
            extensions.append(
                {
                    "url": EXT_CONTACT,
                    "valueContactPoint": {"system": "phone", "value": segment.contact},
                }
            )
        payload.append({"extension": extensions, "contentString": segment.text})
    for attachment in message.attachments:
        payload.append(
            {
                "contentAttachment": {
                    "contentType": attachment.content_type,
                    "data": attachment.data_base64,
                    "title": attachment.title,
                    "creation": _iso(attachment.created),
                }
            }
        )
    communication: dict[str, Any] = {
        "resourceType": "Communication",
        "id": str(communication_key),
        "meta": {"profile": [CC + "medcom-careCommunication-communication"]},
        "text": _narrative(f"{message.topic}\n" + "\n".join(s.text for s in message.segments)),
        "identifier": [{"value": f"urn:uuid:{message.communication_id}"}],
        "status": "unknown",
        "category": [{"coding": [{"system": CATEGORIES, "code": message.category}]}],
        "subject": _ref("Patient", patient_key),
        "payload": payload,
    }
    if message.topic:
        communication["topic"] = {"text": message.topic}
    newest = message.segments[0] if message.segments else None
    entities: list[dict[str, Any]] = []
    if newest is not None:
        entities.append(
            {"role": "source", "what": {"identifier": {"value": f"urn:uuid:{newest.identifier}"}}}
        )
    if message.replies_to is not None:
        entities.append(
            {
                "role": "revision",
                "what": {"identifier": {"value": f"urn:uuid:{message.replies_to}"}},
            }
        )
    provenance: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": str(provenance_key),
        "meta": {"profile": [CC + "medcom-careCommunication-provenance"]},
        "target": [_ref("MessageHeader", h)],
        "occurredDateTime": _iso(message.at),
        "recorded": _iso(message.at),
        "activity": {"coding": [{"system": ACTIVITIES, "code": message.activity}]},
        "agent": [{"who": _ref("Organization", sender_key)}],
    }
    if entities:
        provenance["entity"] = entities
    resources = [
        header,
        patient,
        communication,
        *people,
        _organisation(sender_key, message.sender),
        _organisation(receiver_key, message.receiver),
        provenance,
    ]
    return _bundle(h, message.at, resources, CC + "medcom-careCommunication-message")


def acknowledgement_build(ack: Acknowledgement) -> dict[str, Any]:
    h = ack.header_id
    sender_key, receiver_key = _key(h, "sender"), _key(h, "receiver")
    header = _header(h, EVENT_ACK, sender_key, receiver_key, ack.sender, ack.receiver)
    header["response"] = {"identifier": str(ack.acknowledges), "code": ack.code}
    header["meta"] = {
        "profile": [
            "http://medcomfhir.dk/ig/acknowledgement/StructureDefinition/medcom-messaging-acknowledgementHeader"
        ]
    }
    resources = [
        header,
        _organisation(sender_key, ack.sender),
        _organisation(receiver_key, ack.receiver),
    ]
    return _bundle(
        h,
        ack.at,
        resources,
        "http://medcomfhir.dk/ig/acknowledgement/StructureDefinition/medcom-messaging-acknowledgement",
    )


def _bundle(
    header_id: uuid.UUID, at: datetime, resources: list[dict[str, Any]], profile: str
) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": str(_key(header_id, "bundle")),
        "meta": {"profile": [profile]},
        "type": "message",
        "timestamp": _iso(at),
        "entry": [
            {"fullUrl": f"{FULL_URL}{resource['id']}", "resource": resource}
            for resource in resources
        ],
    }


# Validating and parsing -----------------------------------------------------------------------


def bundle_validate(document: Any) -> Bundle:
    """The document as a `fhir.resources` Bundle, or BundleInvalid naming the first problem."""
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise BundleInvalid("Bundle", "the document is not a FHIR Bundle")
    try:
        bundle = Bundle.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid"}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "__root__")
        raise BundleInvalid(
            where or "Bundle",
            str(first.get("msg", "invalid")),
            [f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', '')}" for e in errors[:10]],
        ) from exc
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise BundleInvalid("Bundle", "the document is not a valid FHIR Bundle") from exc
    if bundle.type != "message":
        raise BundleInvalid("Bundle.type", "must be 'message'")
    return bundle


def _resources(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The entries by fullUrl, and by "Type/id" too, so both kinds of reference resolve."""
    found: dict[str, dict[str, Any]] = {}
    for entry in document.get("entry") or []:
        resource = entry.get("resource") or {}
        if entry.get("fullUrl"):
            found[entry["fullUrl"]] = resource
        if resource.get("id"):
            found[f"{resource.get('resourceType')}/{resource['id']}"] = resource
    return found


def _resolve(resources: dict[str, dict[str, Any]], reference: Any, missing: str) -> dict[str, Any]:
    ref = (reference or {}).get("reference", "") if isinstance(reference, dict) else ""
    found = resources.get(ref)
    if found is None and "/" in ref:
        found = resources.get("/".join(ref.rsplit("/", 2)[-2:]))
    if found is None:
        raise BundleInvalid(missing, "the reference does not resolve inside the Bundle")
    return found


def _party(organisation: dict[str, Any], where: str) -> Party:
    sor = ean = ""
    for identifier in organisation.get("identifier") or []:
        if identifier.get("system") == SYSTEM_SOR:
            sor = identifier.get("value", "")
        elif identifier.get("system") == SYSTEM_EAN:
            ean = identifier.get("value", "")
    if not sor:
        raise BundleInvalid(f"{where}.identifier[SOR-ID]", "the organisation has no SOR id")
    if not ean:
        raise BundleInvalid(f"{where}.identifier[EAN-ID]", "the organisation has no EAN number")
    return Party(sor=sor, ean=ean, name=organisation.get("name", ""))


def _uuid(value: str, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).removeprefix("urn:uuid:"))
    except ValueError as exc:
        raise BundleInvalid(where, "not a UUID") from exc


def _moment(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BundleInvalid(where, "not a date and time") from exc
    if moment.tzinfo is None:
        raise BundleInvalid(where, "the time has no zone")
    return moment


def message_parse(document: Any) -> CareCommunication | Acknowledgement:
    """Validate and read a CareCommunication or Acknowledgement Bundle."""
    bundle_validate(document)
    try:
        return _message_read(document)
    except (TypeError, KeyError, AttributeError, IndexError) as exc:
        # A shape FHIR allows that we do not read (extensions of the wrong type, a reference
        # without `reference`): named as a problem of the Bundle, never a server error.
        raise BundleInvalid("Bundle", f"unexpected structure ({type(exc).__name__})") from exc


def _message_read(document: dict[str, Any]) -> CareCommunication | Acknowledgement:
    resources = _resources(document)
    entries = document.get("entry") or []
    header = (entries[0].get("resource") or {}) if entries else {}
    if header.get("resourceType") != "MessageHeader":
        raise BundleInvalid("MessageHeader", "the first entry must be the MessageHeader")
    event = (header.get("eventCoding") or {}).get("code", "")
    header_id = _uuid(header.get("id", ""), "MessageHeader.id")
    sender = _party(_resolve(resources, header.get("sender"), "MessageHeader.sender"), "sender")
    destinations = header.get("destination") or []
    if not destinations:
        raise BundleInvalid("MessageHeader.destination")
    receiver = _party(
        _resolve(resources, destinations[0].get("receiver"), "MessageHeader.destination.receiver"),
        "receiver",
    )
    at = _moment(document.get("timestamp", ""), "Bundle.timestamp")
    if event == EVENT_ACK:
        response = header.get("response") or {}
        if not response.get("identifier"):
            raise BundleInvalid("MessageHeader.response.identifier")
        return Acknowledgement(
            header_id=header_id,
            at=at,
            sender=sender,
            receiver=receiver,
            acknowledges=_uuid(response["identifier"], "MessageHeader.response.identifier"),
            code=response.get("code", ""),
        )
    if event != EVENT_CARE:
        raise BundleInvalid("MessageHeader.eventCoding", f"'{event}' is not a CareCommunication")
    communication = next(
        (r for r in resources.values() if r.get("resourceType") == "Communication"), None
    )
    if communication is None:
        raise BundleInvalid("Communication", "the Bundle holds no Communication")
    patient = _resolve(resources, communication.get("subject"), "Communication.subject")
    cpr = next(
        (
            i.get("value", "")
            for i in patient.get("identifier") or []
            if i.get("system") == SYSTEM_CPR
        ),
        "",
    )
    if not cpr:
        raise BundleInvalid("Patient.identifier[cpr]", "the patient has no CPR number")
    names = patient.get("name") or [{}]
    categories = [
        c.get("code", "")
        for cat in communication.get("category") or []
        for c in cat.get("coding") or []
        if c.get("system") == CATEGORIES
    ]
    if not categories:
        raise BundleInvalid("Communication.category")
    segments = []
    attachments = []
    for index, part in enumerate(communication.get("payload") or []):
        if "contentAttachment" in part:
            attached = part["contentAttachment"] or {}
            attachments.append(
                Attachment(
                    content_type=str(attached.get("contentType", "")),
                    title=str(attached.get("title", "")),
                    data_base64=str(attached.get("data", "")),
                    created=_moment(attached.get("creation", ""), f"Communication.payload[{index}]")
                    if attached.get("creation")
                    else at,
                )
            )
        if "contentString" not in part:
            continue
        extensions = {e.get("url"): e for e in part.get("extension") or []}
        where = f"Communication.payload[{index}]"
        if EXT_DATE not in extensions:
            raise BundleInvalid(f"{where}.extension[date]")
        identifier = (extensions.get(EXT_IDENTIFIER) or {}).get("valueIdentifier", {})
        author = ""
        if EXT_AUTHOR in extensions:
            person = resources.get(
                extensions[EXT_AUTHOR].get("valueReference", {}).get("reference", "")
            )
            if person:
                author = _person_name(person, resources)
        segments.append(
            Segment(
                identifier=_uuid(
                    identifier.get("value", uuid.uuid4()), f"{where}.extension[identifier]"
                ),
                at=_moment(
                    extensions[EXT_DATE].get("valueDateTime", ""), f"{where}.extension[date]"
                ),
                author=author,
                contact=(extensions.get(EXT_CONTACT) or {})
                .get("valueContactPoint", {})
                .get("value", ""),
                text=part["contentString"],
            )
        )
    if not segments:
        raise BundleInvalid("Communication.payload", "the Communication has no text")
    provenance = next((r for r in resources.values() if r.get("resourceType") == "Provenance"), {})
    activity = next(
        (c.get("code", "") for c in (provenance.get("activity") or {}).get("coding") or []),
        "new-message",
    )
    replies_to = next(
        (
            _uuid(e["what"]["identifier"].get("value", ""), "Provenance.entity")
            for e in provenance.get("entity") or []
            if e.get("role") == "revision" and (e.get("what") or {}).get("identifier")
        ),
        None,
    )
    official = names[0]
    given = official.get("given") or []
    identifiers = communication.get("identifier") or [{}]
    return CareCommunication(
        header_id=header_id,
        communication_id=_uuid(
            identifiers[0].get("value", uuid.uuid4()), "Communication.identifier"
        ),
        at=at,
        sender=sender,
        receiver=receiver,
        cpr=cpr,
        given_name=" ".join(given),
        family_name=official.get("family", ""),
        category=categories[0],
        topic=(communication.get("topic") or {}).get("text", ""),
        segments=tuple(sorted(segments, key=lambda s: s.at, reverse=True)),
        activity=activity,
        replies_to=replies_to,
        attachments=tuple(attachments),
    )


def _person_name(resource: dict[str, Any], resources: dict[str, dict[str, Any]]) -> str:
    """A Practitioner's name, or a PractitionerRole's practitioner's."""
    if resource.get("resourceType") == "PractitionerRole":
        practitioner = resources.get((resource.get("practitioner") or {}).get("reference", ""))
        return _person_name(practitioner, resources) if practitioner else ""
    names = resource.get("name") or [{}]
    name = names[0]
    if name.get("text"):
        return str(name["text"])
    return " ".join([*(name.get("given") or []), name.get("family", "")]).strip()
