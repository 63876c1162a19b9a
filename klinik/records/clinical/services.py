"""Writes of the clinical tabs: coding (SKS diagnoses and procedures on contacts, the problem
list, the CAVE/allergy warnings shown in the patient header), measurements and vaccinations.
Reads are in selectors.py, the plausibility ranges in plausibility.py, the export to the
vaccination register in ddv.py.

A code must be known to the terminology and valid today (`code_lookup`); the code and its
Danish text are stored as a snapshot, so a later SKS update never changes what was coded.
Nothing is deleted: removing a code stamps who and when on the row, a warning is inactivated
with a reason, a wrong measurement or vaccination is marked entered in error (who, when, why).

One main diagnosis (aktionsdiagnose) per contact is a database constraint. Coding a new main
diagnosis where one exists is refused unless the caller confirms the replacement
(`replace_main=True`); the old main diagnosis then becomes a secondary diagnosis (bidiagnose),
so nothing a colleague coded disappears silently and one more click removes it if wanted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from klinik.audit.choices import Action, Channel
from klinik.core.hooks import delegated_act_check, hook_items
from klinik.core.models import Membership, User
from klinik.core.policy import Actor
from klinik.patients.models import Patient
from klinik.records.access import record_write_begin
from klinik.records.choices import (
    DiagnosisKind,
    ProblemStatus,
    VaccinationSite,
    WarningKind,
    WarningSeverity,
)
from klinik.records.clinical.plausibility import measurement_check
from klinik.records.clinical.selectors import VACCINATOR_ROLES
from klinik.records.errors import RecordCode, RecordError
from klinik.records.hooks import VACCINATION_RECORDED, contact_changed
from klinik.records.models import (
    Contact,
    ContactDiagnosis,
    ContactProcedure,
    Measurement,
    PatientWarning,
    Problem,
    Vaccination,
)
from klinik.terminology.choices import HitKind, kind_of_register
from klinik.terminology.selectors import code_lookup

CODE_REQUIRED = gettext_lazy("Enter an SKS code.")
# Formatted with the code: "Ukendt SKS-kode: DX999".
UNKNOWN_CODE = gettext_lazy("Unknown SKS code: %(code)s")
NOT_A_DIAGNOSIS = gettext_lazy("%(code)s is not a diagnosis code.")
NOT_A_PROCEDURE = gettext_lazy("%(code)s is not a procedure code.")
KIND_UNKNOWN = gettext_lazy("Choose main or secondary diagnosis.")
ALREADY_CODED = gettext_lazy("%(code)s is already coded on this contact.")
# Formatted with the current main diagnosis.
MAIN_EXISTS = gettext_lazy(
    "The contact already has the main diagnosis %(code)s %(text)s. Confirm to replace it; "
    "it then becomes a secondary diagnosis."
)
NOT_CODED = gettext_lazy("%(code)s is not coded on this contact.")
ALREADY_REMOVED = gettext_lazy("The code has already been removed.")
FUTURE_TIME = gettext_lazy("The time cannot be in the future.")
PROBLEM_TEXT_REQUIRED = gettext_lazy("Describe the problem or choose a code.")
TEXT_TOO_LONG = gettext_lazy("The text is too long (at most 200 characters).")
ONSET_FUTURE = gettext_lazy("The onset cannot be in the future.")
PROBLEM_NOT_ACTIVE = gettext_lazy("The problem is already resolved.")
PROBLEM_NOT_RESOLVED = gettext_lazy("The problem is active already.")
WARNING_TEXT_REQUIRED = gettext_lazy("Write the warning, e.g. the drug or substance.")
WARNING_KIND_UNKNOWN = gettext_lazy("Unknown kind of warning.")
SEVERITY_UNKNOWN = gettext_lazy("Unknown severity.")
ATC_INVALID = gettext_lazy("Not an ATC code (e.g. J01CE02).")
NOTE_TOO_LONG = gettext_lazy("The note is too long (at most 300 characters).")
REASON_REQUIRED = gettext_lazy("Give the reason.")
WARNING_INACTIVE = gettext_lazy("The warning is already inactive.")
CONTACT_OTHER_PATIENT = gettext_lazy("The contact belongs to another patient.")
ALREADY_IN_ERROR = gettext_lazy("Already marked as entered in error.")
VACCINE_REQUIRED = gettext_lazy("Enter the vaccine.")
VACCINE_TOO_LONG = gettext_lazy("The vaccine name is too long (at most 120 characters).")
BATCH_REQUIRED = gettext_lazy("Enter the batch number (lot); it must be recorded.")
BATCH_TOO_LONG = gettext_lazy("The batch number is too long (at most 40 characters).")
DOSE_REQUIRED = gettext_lazy("Enter the dose (e.g. 0,5 ml or 1st dose).")
DOSE_TOO_LONG = gettext_lazy("The dose is too long (at most 20 characters).")
SITE_UNKNOWN = gettext_lazy("Choose where the vaccine was given.")
GIVEN_REQUIRED = gettext_lazy("Enter the date the vaccine was given.")
GIVEN_FUTURE = gettext_lazy("The date given cannot be in the future.")
GIVEN_BEFORE_BIRTH = gettext_lazy("The date given is before the patient's birth.")
GIVEN_BY_NOT_STAFF = gettext_lazy("The vaccinator must be on the clinic's staff.")
VACCINE_ATC_INVALID = gettext_lazy("Not an ATC code (e.g. J07BB02).")

TEXT_MAX = 200
# Level 1 to 5 of the ATC classification: J, J01, J01C, J01CE, J01CE02.
ATC_PATTERN = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
FUTURE_SLACK = timedelta(minutes=5)

_Marked = TypeVar("_Marked", "Measurement", "Vaccination")


# Codes -------------------------------------------------------------------------------------------


def code_normalise(raw: str) -> str:
    """The stored form of a typed code: upper case, no spaces or dots (`dj06.9` → `DJ069`)."""
    return re.sub(r"[\s.]", "", raw or "").upper()


def sks_code_valid(*, code: str, kind: HitKind, on: date | None = None) -> Any:
    """The SKS code valid on `on` (today) of the given kind, or RecordError naming the code.
    The terminology accepts the ICD-10 form of a diagnosis (J06.9 for DJ069)."""
    normal = code_normalise(code)
    if not normal:
        raise RecordError(CODE_REQUIRED, code=RecordCode.CODE_REQUIRED, field="code")
    found = code_lookup(code=normal, on=on or timezone.localdate())
    if found is None:
        raise RecordError(
            UNKNOWN_CODE % {"code": normal}, code=RecordCode.CODE_UNKNOWN, field="code"
        )
    if kind_of_register(found.register) != kind:
        message = NOT_A_DIAGNOSIS if kind == HitKind.DIAGNOSIS else NOT_A_PROCEDURE
        raise RecordError(message % {"code": found.code}, code=RecordCode.CODE_KIND, field="code")
    return found


def _check_not_future(when: datetime, field: str) -> None:
    if when > timezone.now() + FUTURE_SLACK:
        raise RecordError(FUTURE_TIME, code=RecordCode.FUTURE, field=field)


# Diagnoses ---------------------------------------------------------------------------------------


def contact_diagnosis_add(
    *,
    actor: Actor,
    contact: Contact,
    code: str,
    kind: str,
    replace_main: bool = False,
    channel: Channel = Channel.UI,
) -> ContactDiagnosis:
    """Code a diagnosis on a contact.

    A second main diagnosis is refused (code `main_exists`) unless `replace_main`: then, in
    the same transaction, the old main diagnosis becomes a secondary one. Coding a secondary
    diagnosis as main promotes it."""
    if kind not in DiagnosisKind.values:
        raise RecordError(KIND_UNKNOWN, code=RecordCode.KIND_UNKNOWN, field="kind")
    sks = sks_code_valid(code=code, kind=HitKind.DIAGNOSIS)
    try:
        with transaction.atomic(durable=True):
            record_write_begin(
                actor=actor, patient=contact.patient, channel=channel, object_type="diagnosis"
            )
            # One writer per contact at a time: the checks below then hold until commit.
            Contact.objects.select_for_update().filter(pk=contact.pk).first()
            active = list(ContactDiagnosis.objects.filter(contact=contact, removed_at__isnull=True))
            same = next((d for d in active if d.code == sks.code), None)
            main = next((d for d in active if d.kind == DiagnosisKind.MAIN), None)
            if same is not None and (same.kind == kind or kind == DiagnosisKind.SECONDARY):
                raise RecordError(
                    ALREADY_CODED % {"code": sks.code}, code=RecordCode.ALREADY_CODED, field="code"
                )
            now = timezone.now()
            if kind == DiagnosisKind.MAIN and main is not None:
                if not replace_main:
                    raise RecordError(
                        MAIN_EXISTS % {"code": main.code, "text": main.text},
                        code=RecordCode.MAIN_EXISTS,
                        field="kind",
                    )
                _remove(main, actor, now)
                _diagnosis_create(actor, contact, main.code, main.text, DiagnosisKind.SECONDARY)
            if same is not None:  # a secondary diagnosis promoted to main
                _remove(same, actor, now)
            contact_changed(contact, actor)
            return _diagnosis_create(actor, contact, sks.code, sks.text, kind)
    except IntegrityError as exc:
        # Only a race past the lock (or a bug) gets here: the constraints decide.
        raise RecordError(
            ALREADY_CODED % {"code": sks.code}, code=RecordCode.ALREADY_CODED, field="code"
        ) from exc


def _diagnosis_create(
    actor: Actor, contact: Contact, code: str, text: str, kind: str
) -> ContactDiagnosis:
    return ContactDiagnosis.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        patient_id=contact.patient_id,
        kind=kind,
        code=code,
        text=text[:TEXT_MAX],
        recorded_by=actor.user,
    )


def _remove(row: ContactDiagnosis | ContactProcedure, actor: Actor, now: datetime) -> None:
    row.removed_by = actor.user
    row.removed_at = now
    row.save(update_fields=["removed_by", "removed_at"])


def contact_diagnosis_remove(
    *, actor: Actor, contact: Contact, code: str, channel: Channel = Channel.UI
) -> ContactDiagnosis:
    """Remove a coded diagnosis from a contact; the row stays with who removed it and when."""
    normal = code_normalise(code)
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=contact.patient,
            channel=channel,
            action=Action.UPDATE,
            object_type="diagnosis",
        )
        row = (
            ContactDiagnosis.objects.select_for_update()
            .filter(contact=contact, code=normal, removed_at__isnull=True)
            .first()
        )
        if row is None:
            raise RecordError(NOT_CODED % {"code": normal}, code=RecordCode.NOT_CODED, field="code")
        _remove(row, actor, timezone.now())
        contact_changed(contact, actor)
    return row


def contact_procedure_add(
    *,
    actor: Actor,
    contact: Contact,
    code: str,
    performed_at: datetime | None = None,
    channel: Channel = Channel.UI,
) -> ContactProcedure:
    """Code a procedure (SKS K, B, U, Z … codes) on a contact."""
    sks = sks_code_valid(code=code, kind=HitKind.PROCEDURE)
    performed_at = performed_at or timezone.now()
    _check_not_future(performed_at, "performed_at")
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor, patient=contact.patient, channel=channel, object_type="procedure"
        )
        contact_changed(contact, actor)
        return ContactProcedure.objects.create(
            organisation_id=contact.organisation_id,
            contact=contact,
            patient_id=contact.patient_id,
            code=sks.code,
            text=sks.text[:TEXT_MAX],
            performed_at=performed_at,
            recorded_by=actor.user,
        )


def contact_procedure_remove(
    *, actor: Actor, contact: Contact, procedure_id: int, channel: Channel = Channel.UI
) -> ContactProcedure:
    """Remove a coded procedure (by its row on this contact); the row stays, stamped."""
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=contact.patient,
            channel=channel,
            action=Action.UPDATE,
            object_type="procedure",
        )
        row = (
            ContactProcedure.objects.select_for_update()
            .filter(contact=contact, pk=procedure_id)
            .first()
        )
        if row is None:
            raise Http404
        if row.removed_at is not None:
            raise RecordError(ALREADY_REMOVED, code=RecordCode.ALREADY_REMOVED)
        _remove(row, actor, timezone.now())
        contact_changed(contact, actor)
    return row


# Problem list ------------------------------------------------------------------------------------


def problem_add(
    *,
    actor: Actor,
    patient: Patient,
    text: str = "",
    code: str = "",
    onset: date | None = None,
    channel: Channel = Channel.UI,
) -> Problem:
    """Add a problem to the patient's list: a diagnosis code (its text unless one is given),
    free text, or both."""
    text = " ".join((text or "").split())
    sks = sks_code_valid(code=code, kind=HitKind.DIAGNOSIS) if code_normalise(code) else None
    if not text and sks is not None:
        text = sks.text
    if not text:
        raise RecordError(PROBLEM_TEXT_REQUIRED, code=RecordCode.TEXT_REQUIRED, field="text")
    if len(text) > TEXT_MAX:
        raise RecordError(TEXT_TOO_LONG, code=RecordCode.TEXT_TOO_LONG, field="text")
    if onset is not None and onset > timezone.localdate():
        raise RecordError(ONSET_FUTURE, code=RecordCode.FUTURE, field="onset")
    with transaction.atomic(durable=True):
        record_write_begin(actor=actor, patient=patient, channel=channel, object_type="problem")
        return Problem.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            code=sks.code if sks else "",
            text=text,
            onset=onset,
            noted_by=actor.user,
        )


def problem_resolve(*, actor: Actor, problem: Problem, channel: Channel = Channel.UI) -> Problem:
    return _problem_set(actor, problem, ProblemStatus.RESOLVED, channel)


def problem_reopen(*, actor: Actor, problem: Problem, channel: Channel = Channel.UI) -> Problem:
    return _problem_set(actor, problem, ProblemStatus.ACTIVE, channel)


def _problem_set(actor: Actor, problem: Problem, status: str, channel: Channel) -> Problem:
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=problem.patient,
            channel=channel,
            action=Action.UPDATE,
            object_type="problem",
        )
        locked = Problem.objects.select_for_update().get(pk=problem.pk)
        if locked.status == status:
            message = (
                PROBLEM_NOT_ACTIVE if status == ProblemStatus.RESOLVED else (PROBLEM_NOT_RESOLVED)
            )
            raise RecordError(message, code=RecordCode.PROBLEM_STATUS)
        locked.status = status
        resolving = status == ProblemStatus.RESOLVED
        locked.resolved_by = actor.user if resolving else None
        locked.resolved_at = timezone.now() if resolving else None
        locked.save(update_fields=["status", "resolved_by", "resolved_at"])
    return locked


# Warnings ----------------------------------------------------------------------------------------


def warning_add(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    text: str,
    code: str = "",
    severity: str = WarningSeverity.HIGH,
    note: str = "",
    channel: Channel = Channel.UI,
) -> PatientWarning:
    """Add a CAVE, allergy or other warning; it shows in the patient header at once."""
    if kind not in WarningKind.values:
        raise RecordError(WARNING_KIND_UNKNOWN, code=RecordCode.KIND_UNKNOWN, field="kind")
    if severity not in WarningSeverity.values:
        raise RecordError(SEVERITY_UNKNOWN, code=RecordCode.SEVERITY_UNKNOWN, field="severity")
    text = " ".join((text or "").split())
    if not text:
        raise RecordError(WARNING_TEXT_REQUIRED, code=RecordCode.TEXT_REQUIRED, field="text")
    if len(text) > TEXT_MAX:
        raise RecordError(TEXT_TOO_LONG, code=RecordCode.TEXT_TOO_LONG, field="text")
    code = code_normalise(code)
    if code and not ATC_PATTERN.fullmatch(code):
        raise RecordError(ATC_INVALID, code=RecordCode.ATC_INVALID, field="code")
    note = (note or "").strip()
    if len(note) > 300:
        raise RecordError(NOTE_TOO_LONG, code=RecordCode.NOTE_TOO_LONG, field="note")
    with transaction.atomic(durable=True):
        record_write_begin(actor=actor, patient=patient, channel=channel, object_type="warning")
        return PatientWarning.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            kind=kind,
            text=text,
            code=code,
            severity=severity,
            note=note,
            recorded_by=actor.user,
        )


def warning_inactivate(
    *, actor: Actor, warning: PatientWarning, reason: str, channel: Channel = Channel.UI
) -> PatientWarning:
    """Take a warning out of the header (e.g. the allergy was disproved); kept with the reason."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise RecordError(REASON_REQUIRED, code=RecordCode.REASON_REQUIRED, field="reason")
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=warning.patient,
            channel=channel,
            action=Action.UPDATE,
            object_type="warning",
        )
        locked = PatientWarning.objects.select_for_update().get(pk=warning.pk)
        if not locked.is_active:
            raise RecordError(WARNING_INACTIVE, code=RecordCode.WARNING_INACTIVE)
        locked.is_active = False
        locked.inactivated_by = actor.user
        locked.inactivated_at = timezone.now()
        locked.inactivation_reason = reason[:300]
        locked.save(
            update_fields=[
                "is_active",
                "inactivated_by",
                "inactivated_at",
                "inactivation_reason",
            ]
        )
    return locked


# Measurements ------------------------------------------------------------------------------------


def measurement_record(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    value: object,
    value2: object = None,
    measured_at: datetime | None = None,
    contact: Contact | None = None,
    channel: Channel = Channel.UI,
) -> Measurement:
    """Record one measurement after the plausibility check (see the module's ranges)."""
    number, second = measurement_check(kind=kind, value=value, value2=value2)
    now = timezone.now()
    measured_at = measured_at or now
    if measured_at > now + FUTURE_SLACK:
        raise RecordError(FUTURE_TIME, code=RecordCode.FUTURE, field="measured_at")
    if contact is not None and contact.patient_id != patient.pk:
        raise RecordError(CONTACT_OTHER_PATIENT, code=RecordCode.CONTACT_PATIENT, field="contact")
    with transaction.atomic(durable=True):
        record_write_begin(actor=actor, patient=patient, channel=channel, object_type="measurement")
        return Measurement.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            contact=contact,
            kind=kind,
            value=number,
            value2=second,
            measured_at=measured_at,
            recorded_by=actor.user,
            recorded_at=now,
        )


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise RecordError(REASON_REQUIRED, code=RecordCode.REASON_REQUIRED, field="reason")
    return reason[:300]


def measurement_mark_error(
    *, actor: Actor, measurement: Measurement, reason: str, channel: Channel = Channel.UI
) -> Measurement:
    """Mark a measurement entered in error: it leaves the chart and BMI, stays in the record."""
    return _mark_entered_in_error(actor, measurement, reason, channel, "measurement")


def _mark_entered_in_error(
    actor: Actor, row: _Marked, reason: str, channel: Channel, object_type: str
) -> _Marked:
    """Entered in error (who, when, why) instead of deleting: the row stays in the record."""
    reason = _reason(reason)
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=row.patient,
            channel=channel,
            action=Action.UPDATE,
            object_type=object_type,
        )
        locked = type(row).objects.select_for_update().get(pk=row.pk)
        if locked.error_at is not None:
            raise RecordError(ALREADY_IN_ERROR, code=RecordCode.ALREADY_IN_ERROR)
        locked.error_by = actor.user
        locked.error_at = timezone.now()
        locked.error_reason = reason
        locked.save(update_fields=["error_by", "error_at", "error_reason"])
    return locked


# Vaccinations ------------------------------------------------------------------------------------


def _text(value: str, limit: int, required: object, too_long: object, field: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise RecordError(required, code=RecordCode(f"{field}_required"), field=field)
    if len(value) > limit:
        raise RecordError(too_long, code=RecordCode(f"{field}_too_long"), field=field)
    return value


def vaccination_record(
    *,
    actor: Actor,
    patient: Patient,
    vaccine: str,
    batch_number: str,
    dose: str,
    site: str,
    given_on: date | None,
    given_by: User | None,
    atc_code: str = "",
    contact: Contact | None = None,
    channel: Channel = Channel.UI,
) -> Vaccination:
    """Record a vaccine given. It waits for the next DDV export (`vaccinations_export_ddv`)."""
    vaccine = _text(vaccine, 120, VACCINE_REQUIRED, VACCINE_TOO_LONG, "vaccine")
    batch_number = _text(batch_number, 40, BATCH_REQUIRED, BATCH_TOO_LONG, "batch_number")
    dose = _text(dose, 20, DOSE_REQUIRED, DOSE_TOO_LONG, "dose")
    if site not in VaccinationSite.values:
        raise RecordError(SITE_UNKNOWN, code=RecordCode.SITE_UNKNOWN, field="site")
    if given_on is None:
        raise RecordError(GIVEN_REQUIRED, code=RecordCode.GIVEN_ON_REQUIRED, field="given_on")
    if given_on > timezone.localdate():
        raise RecordError(GIVEN_FUTURE, code=RecordCode.FUTURE, field="given_on")
    if given_on < patient.birth_date:
        raise RecordError(GIVEN_BEFORE_BIRTH, code=RecordCode.BEFORE_BIRTH, field="given_on")
    atc_code = re.sub(r"\s", "", atc_code or "").upper()
    if atc_code and not ATC_PATTERN.fullmatch(atc_code):
        raise RecordError(VACCINE_ATC_INVALID, code=RecordCode.ATC_INVALID, field="atc_code")
    if contact is not None and contact.patient_id != patient.pk:
        raise RecordError(CONTACT_OTHER_PATIENT, code=RecordCode.CONTACT_PATIENT, field="contact")
    if (
        given_by is None
        or not Membership.objects.filter(
            user=given_by,
            organisation_id=patient.organisation_id,
            role__in=VACCINATOR_ROLES,
            is_active=True,
        ).exists()
    ):
        raise RecordError(GIVEN_BY_NOT_STAFF, code=RecordCode.GIVEN_BY, field="given_by")
    # Vaccination is a doctor's reserved act: anyone else needs a valid delegation on the day
    # (the staff app's register answers through the hook; docs/adr/0025).
    delegated_act_check(
        organisation_id=patient.organisation_id, performer=given_by, task="vaccination", on=given_on
    )
    with transaction.atomic(durable=True):
        record_write_begin(actor=actor, patient=patient, channel=channel, object_type="vaccination")
        vaccination = Vaccination.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            contact=contact,
            vaccine=vaccine,
            atc_code=atc_code,
            batch_number=batch_number,
            dose=dose,
            site=site,
            given_on=given_on,
            given_by=given_by,
            recorded_by=actor.user,
        )
        # Purchasing draws the dose from its stock lot (and may refuse an expired one).
        for listener in hook_items(VACCINATION_RECORDED):
            listener(vaccination, actor)
        return vaccination


def vaccination_mark_error(
    *, actor: Actor, vaccination: Vaccination, reason: str, channel: Channel = Channel.UI
) -> Vaccination:
    """Mark a vaccination entered in error. Not yet reported: it is never sent. Already
    reported: the register must be told separately (the row shows when it was sent)."""
    return _mark_entered_in_error(actor, vaccination, reason, channel, "vaccination")
