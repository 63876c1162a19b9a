""" "Hvem har set journalen": the patient's access report (sundhedsloven § 42 a, stk. 9).

The access log answers who did what when; the report says it in words a patient reads: roles
by their Danish names, what was seen ("Et journalnotat", "Den beskyttede adresse"), and each
person's repeated views of the same thing on one day as one line with a count. It filters by
period and person and prints as a PDF to hand or send to the patient.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

# reportlab ships no type hints (types-reportlab is not among the dev dependencies).
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, Spacer  # type: ignore[import-untyped]

from klinik.audit.models import AccessLogEntry
from klinik.audit.selectors import access_log_for_patient
from klinik.core.choices import Role
from klinik.patients.models import Patient
from klinik.patients.pdf import STYLES, danish, pdf_document, pdf_table

# What an entry's object_type says was seen.
OBJECT_LABELS: dict[str, Any] = {
    "patient": _("Personal data"),
    "patient_contact": _("Contact details"),
    "protected_address": _("The protected address"),
    "journal": _("The record"),
    "journal_entry": _("A journal entry"),
    "journal_draft": _("A draft journal entry"),
    "journal_signature": _("A signature of a journal entry"),
    "contact": _("A contact"),
    "coding": _("Diagnosis and procedure codes"),
    "diagnosis": _("Diagnoses"),
    "procedure": _("Procedures"),
    "problem": _("The problem list"),
    "warning": _("Warnings (allergies, CAVE)"),
    "measurement": _("Measurements"),
    "measurements": _("Measurements"),
    "vaccination": _("Vaccinations"),
    "vaccinations": _("Vaccinations"),
    "document": _("A document"),
    "documents": _("Documents"),
    "dictation": _("A dictation"),
    "appointment": _("Appointments"),
    "waitlist_entry": _("The waiting list"),
    "outbox": _("Messages to the patient"),
    "outbox_message": _("Messages to the patient"),
    "access_report": _("This access report"),
    "export_pdf": _("Everything held (right of access)"),
    "export_json": _("Everything held (right of access)"),
    "export_zip": _("Everything held (right of access)"),
}
REPORT_LIMIT = 20_000  # the newest entries read for one report


@dataclass(frozen=True)
class AccessReportRow:
    """One person's accesses to one kind of data on one day, counted."""

    day: date
    first: datetime
    last: datetime
    count: int
    who: str
    role: str
    unit: str
    what: str
    action: str
    purpose: str
    is_break_glass: bool
    reasons: tuple[str, ...]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


def access_report(
    *,
    patient: Patient,
    organisation_ids: Iterable[int],
    since: date | None = None,
    until: date | None = None,
    user_id: int | None = None,
) -> list[AccessReportRow]:
    """Newest day first; within a day, newest access first."""
    entries = access_log_for_patient(
        patient_id=patient.public_id, organisation_ids=organisation_ids
    )
    if since is not None:
        entries = entries.filter(occurred_at__gte=_midnight(since))
    if until is not None:
        entries = entries.filter(occurred_at__lt=_midnight(until + timedelta(days=1)))
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    groups: dict[tuple[Any, ...], list[AccessLogEntry]] = {}
    for entry in entries[:REPORT_LIMIT]:
        key = (
            timezone.localdate(entry.occurred_at),
            entry.user_id or entry.username,
            entry.role,
            entry.unit_id,
            entry.object_type,
            entry.action,
            entry.purpose,
            entry.is_break_glass,
        )
        groups.setdefault(key, []).append(entry)
    roles = dict(Role.choices)
    return [_row(key, group, roles) for key, group in groups.items()]


def _row(
    key: tuple[Any, ...], group: list[AccessLogEntry], roles: Mapping[str, object]
) -> AccessReportRow:
    day, _who, role, _unit, object_type, _action, _purpose, is_break_glass = key
    newest, oldest = group[0], group[-1]
    return AccessReportRow(
        day=day,
        first=oldest.occurred_at,
        last=newest.occurred_at,
        count=len(group),
        who=(newest.user.get_full_name() if newest.user else "") or newest.username,
        role=str(roles.get(role, role)),
        unit=newest.unit.name if newest.unit else "",
        what=str(OBJECT_LABELS.get(object_type, object_type)),
        action=newest.get_action_display(),
        purpose=newest.get_purpose_display(),
        is_break_glass=is_break_glass,
        reasons=tuple(dict.fromkeys(e.reason for e in group if e.reason)),
    )


def access_report_people(
    *, patient: Patient, organisation_ids: Iterable[int]
) -> list[tuple[int, str]]:
    """Who appears in the patient's access log, by name (the person filter)."""
    users = (
        AccessLogEntry.objects.filter(
            patient_id=patient.public_id,
            organisation_id__in=organisation_ids,
            user__isnull=False,
        )
        .values_list("user_id", "user__first_name", "user__last_name", "user__username")
        .distinct()
    )
    people = {pk: (f"{first} {last}".strip() or name) for pk, first, last, name in users}
    return sorted(people.items(), key=lambda item: item[1])


def _when(row: AccessReportRow) -> str:
    first = formats.time_format(timezone.localtime(row.first), "H.i")
    last = formats.time_format(timezone.localtime(row.last), "H.i")
    return first if first == last else f"{first}\u2013{last}"


def access_report_pdf(
    *, patient: Patient, rows: list[AccessReportRow], since: date | None, until: date | None
) -> bytes:
    """The report as the patient receives it, in Danish."""
    with translation.override("da"):
        period = f"{danish(since) if since else 'første opslag'} til {danish(until) or 'i dag'}"
        header = ["Dag", "Tid", "Antal", "Hvem", "Rolle", "Enhed", "Hvad", "Handling", "Formål"]
        table = [
            [
                r.day,
                _when(r),
                r.count,
                r.who,
                r.role,
                r.unit,
                r.what,
                r.action,
                r.purpose + (f" \u2014 {'; '.join(r.reasons)}" if r.is_break_glass else ""),
            ]
            for r in rows
        ]
        story: list[Any] = [
            Paragraph("Hvem har set journalen", STYLES["Title"]),
            Paragraph(
                escape(
                    f"{patient.name}, CPR-nr. {patient.cpr_display}. {patient.organisation.name}. "
                    f"Periode: {period}. Udskrevet {danish(timezone.now())}."
                ),
                STYLES["BodyText"],
            ),
            Spacer(1, 4 * mm),
            pdf_table(header, table)
            if rows
            else Paragraph("Ingen opslag i perioden.", STYLES["BodyText"]),
        ]
        return pdf_document(
            title="Hvem har set journalen",
            author=patient.organisation.name,
            story=story,
            wide=True,
        )
