"""Correspondence's rows about a patient, for the GDPR export and a merge (patients.hooks)."""

from __future__ import annotations

from typing import Any

from klinik.core.hooks import hook_register
from klinik.correspondence.models import CareMessage, IncomingLetter, Letter, OutboxMessage
from klinik.patients.hooks import PATIENT_PARTS, PatientPart, merge_move
from klinik.patients.models import Patient


def _messages(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Planlagt": m.scheduled_for,
            "Sendt": m.sent_at,
            "Slags": m.get_kind_display(),
            "Kanal": m.get_channel_display(),
            "Modtager": m.recipient,
            "Emne": m.subject,
            "Tekst": m.body,
            "Status": m.get_status_display(),
        }
        for m in OutboxMessage.objects.filter(patient=patient).order_by("-scheduled_for")
    ]


_merge, _unmerge = merge_move(OutboxMessage)
MESSAGES = PatientPart(
    "messages",
    "Beskeder sendt til dig (SMS og e-mail)",
    ("correspondence.OutboxMessage",),
    _messages,
    order=60,
    merge=_merge,
    unmerge=_unmerge,
)


def _care_messages(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Tid": m.created_at,
            "Retning": m.get_direction_display(),
            "Modpart": m.counterpart_name,
            "Kategori": m.category,
            "Emne": m.topic,
            "Tekst": m.text,
            "Afsender": m.author,
            "Status": m.get_status_display(),
        }
        for m in CareMessage.objects.filter(patient=patient).order_by("-created_at")
    ]


_care_merge, _care_unmerge = merge_move(CareMessage)
CARE_MESSAGES = PatientPart(
    "care_messages",
    "Korrespondancemeddelelser med andre behandlere (MedCom)",
    ("correspondence.CareMessage",),
    _care_messages,
    order=61,
    merge=_care_merge,
    unmerge=_care_unmerge,
)


def _letters(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Skrevet": m.created_at,
            "Sendt": m.sent_at,
            "Emne": m.subject,
            "Tekst": m.body,
            "Kanal": m.get_channel_display(),
            "Status": m.get_status_display(),
        }
        for m in Letter.objects.filter(patient=patient).defer("pdf").order_by("-created_at")
    ]


def _letter_files(patient: Patient) -> list[tuple[str, bytes]]:
    return [
        (f"breve/{letter.created_at:%Y-%m-%d}-{letter.public_id}.pdf", bytes(letter.pdf))
        for letter in Letter.objects.filter(patient=patient).order_by("created_at")
    ]


_letter_merge, _letter_unmerge = merge_move(Letter)
LETTERS = PatientPart(
    "letters",
    "Breve sendt til dig",
    ("correspondence.Letter",),
    _letters,
    order=62,
    merge=_letter_merge,
    unmerge=_letter_unmerge,
    files=_letter_files,
)


def _incoming(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Modtaget": m.received_on,
            "Afsender": m.sender,
            "Titel": m.title,
            "Status": m.get_status_display(),
        }
        for m in IncomingLetter.objects.filter(patient=patient).order_by("-received_on")
    ]


_incoming_merge, _incoming_unmerge = merge_move(IncomingLetter)
INCOMING_LETTERS = PatientPart(
    "incoming_letters",
    "Breve og scanninger modtaget om dig",
    ("correspondence.IncomingLetter",),
    _incoming,
    order=63,
    merge=_incoming_merge,
    unmerge=_incoming_unmerge,
)


def register() -> None:
    """Called from CorrespondenceConfig.ready()."""
    hook_register(PATIENT_PARTS, MESSAGES)
    hook_register(PATIENT_PARTS, CARE_MESSAGES)
    hook_register(PATIENT_PARTS, LETTERS)
    hook_register(PATIENT_PARTS, INCOMING_LETTERS)
