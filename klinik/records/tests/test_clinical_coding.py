"""Coding services: diagnoses and procedures on contacts, the problem list and warnings."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.patients.errors import BreakGlassRequired
from klinik.records.access import contact_for_write
from klinik.records.choices import DiagnosisKind, ProblemStatus, WarningKind, WarningSeverity
from klinik.records.clinical import selectors, services
from klinik.records.errors import RecordError
from klinik.records.header import header_warnings, patient_warnings, record_header_context
from klinik.records.models import ContactDiagnosis, ContactProcedure, PatientWarning, Problem
from klinik.records.tests.clinical_fixtures import (
    EXAM_CODE,
    EXPIRED_CODE,
    MAIN_CODE,
    PROCEDURE_CODE,
    SECOND_CODE,
    THIRD_CODE,
    UNKNOWN_CODE,
    contact_for,
    expired_code,  # noqa: F401  (fixture)
)
from klinik.terminology.choices import HitKind


@pytest.fixture
def contact(record_world):
    return contact_for(record_world.doctor_actor, record_world.patient)


def _add(rw, contact, code, kind=DiagnosisKind.MAIN, **kwargs):
    return services.contact_diagnosis_add(
        actor=rw.secretary_actor, contact=contact, code=code, kind=kind, **kwargs
    )


def _active(contact):
    return list(
        ContactDiagnosis.objects.filter(contact=contact, removed_at__isnull=True)
        .order_by("kind", "code")
        .values_list("code", "kind")
    )


def test_main_diagnosis_is_stored_with_the_danish_text_snapshot(record_world, contact):
    row = _add(record_world, contact, "dj06.9")
    assert row.code == MAIN_CODE
    assert row.text == "Akut øvre luftvejsinfektion UNS"
    assert row.kind == DiagnosisKind.MAIN
    assert row.recorded_by == record_world.secretary.user
    assert row.patient_id == record_world.patient.pk
    assert row.organisation_id == record_world.organisation.pk


def test_icd10_form_finds_the_sks_code(record_world, contact):
    assert _add(record_world, contact, "J06.9").code == MAIN_CODE


def test_unknown_code_is_refused_naming_it_and_nothing_is_saved(record_world, contact):
    logged = AccessLogEntry.objects.count()
    with pytest.raises(RecordError) as refused:
        _add(record_world, contact, UNKNOWN_CODE)
    assert refused.value.code == "code_unknown"
    assert refused.value.field == "code"
    assert UNKNOWN_CODE in refused.value.message
    assert refused.value.message == str(services.UNKNOWN_CODE % {"code": UNKNOWN_CODE})
    assert not ContactDiagnosis.objects.filter(contact=contact).exists()
    assert AccessLogEntry.objects.count() == logged


@pytest.mark.usefixtures("expired_code")
def test_code_no_longer_valid_is_refused(record_world, contact):
    with pytest.raises(RecordError) as refused:
        _add(record_world, contact, EXPIRED_CODE)
    assert refused.value.code == "code_unknown"
    assert not ContactDiagnosis.objects.filter(contact=contact).exists()


def test_procedure_code_is_not_a_diagnosis(record_world, contact):
    with pytest.raises(RecordError) as refused:
        _add(record_world, contact, PROCEDURE_CODE)
    assert refused.value.code == "code_kind"
    with pytest.raises(RecordError):
        services.contact_procedure_add(
            actor=record_world.secretary_actor, contact=contact, code=MAIN_CODE
        )
    assert not ContactDiagnosis.objects.exists()
    assert not ContactProcedure.objects.exists()


def test_second_main_diagnosis_is_refused_without_confirmation(record_world, contact):
    _add(record_world, contact, MAIN_CODE)
    with pytest.raises(RecordError) as refused:
        _add(record_world, contact, SECOND_CODE)
    assert refused.value.code == "main_exists"
    assert MAIN_CODE in refused.value.message
    assert _active(contact) == [(MAIN_CODE, "main")]


def test_confirmed_replacement_demotes_the_old_main_diagnosis(record_world, contact):
    old = _add(record_world, contact, MAIN_CODE)
    new = _add(record_world, contact, SECOND_CODE, replace_main=True)
    assert new.kind == DiagnosisKind.MAIN
    assert _active(contact) == [(SECOND_CODE, "main"), (MAIN_CODE, "secondary")]
    old.refresh_from_db()
    assert old.removed_at is not None
    assert old.removed_by == record_world.secretary.user


def test_secondary_diagnosis_can_be_promoted_to_main(record_world, contact):
    _add(record_world, contact, MAIN_CODE)
    _add(record_world, contact, SECOND_CODE, kind=DiagnosisKind.SECONDARY)
    _add(record_world, contact, SECOND_CODE, replace_main=True)
    assert _active(contact) == [(SECOND_CODE, "main"), (MAIN_CODE, "secondary")]


def test_secondary_diagnoses_and_a_duplicate(record_world, contact):
    _add(record_world, contact, MAIN_CODE)
    _add(record_world, contact, SECOND_CODE, kind=DiagnosisKind.SECONDARY)
    _add(record_world, contact, THIRD_CODE, kind=DiagnosisKind.SECONDARY)
    with pytest.raises(RecordError) as refused:
        _add(record_world, contact, SECOND_CODE, kind=DiagnosisKind.SECONDARY)
    assert refused.value.code == "already_coded"
    assert len(_active(contact)) == 3


def test_database_allows_one_main_diagnosis_per_contact(record_world, contact):
    from django.db import IntegrityError, transaction

    _add(record_world, contact, MAIN_CODE)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactDiagnosis.objects.create(
            organisation_id=contact.organisation_id,
            contact=contact,
            patient_id=contact.patient_id,
            kind=DiagnosisKind.MAIN,
            code=SECOND_CODE,
            text="x",
            recorded_by=record_world.doctor.user,
        )


def test_remove_keeps_the_row_with_who_and_when(record_world, contact):
    _add(record_world, contact, MAIN_CODE)
    removed = services.contact_diagnosis_remove(
        actor=record_world.doctor_actor, contact=contact, code=MAIN_CODE
    )
    assert removed.removed_by == record_world.doctor.user
    assert removed.removed_at is not None
    assert ContactDiagnosis.objects.filter(contact=contact).count() == 1
    assert _active(contact) == []
    # The code can be coded again after removal.
    _add(record_world, contact, MAIN_CODE)
    with pytest.raises(RecordError):
        services.contact_diagnosis_remove(
            actor=record_world.doctor_actor, contact=contact, code=SECOND_CODE
        )


def test_procedures_are_coded_and_removed(record_world, contact):
    row = services.contact_procedure_add(
        actor=record_world.nurse_actor, contact=contact, code=EXAM_CODE
    )
    assert row.text == "Røntgenundersøgelse af thorax"
    services.contact_procedure_add(actor=record_world.nurse_actor, contact=contact, code="KJEA00")
    services.contact_procedure_remove(
        actor=record_world.nurse_actor, contact=contact, procedure_id=row.pk
    )
    row.refresh_from_db()
    assert row.removed_at is not None
    with pytest.raises(RecordError):
        services.contact_procedure_remove(
            actor=record_world.nurse_actor, contact=contact, procedure_id=row.pk
        )


def test_procedure_in_the_future_is_refused(record_world, contact):
    with pytest.raises(RecordError) as refused:
        services.contact_procedure_add(
            actor=record_world.nurse_actor,
            contact=contact,
            code=EXAM_CODE,
            performed_at=timezone.now() + timezone.timedelta(days=1),
        )
    assert refused.value.field == "performed_at"


def test_coding_writes_are_access_logged(record_world, contact):
    before = AccessLogEntry.objects.filter(object_type="diagnosis").count()
    _add(record_world, contact, MAIN_CODE)
    entry = AccessLogEntry.objects.filter(object_type="diagnosis").latest("seq")
    assert AccessLogEntry.objects.filter(object_type="diagnosis").count() == before + 1
    assert entry.patient_id == record_world.patient.public_id
    assert entry.action == "create"
    assert entry.user_id == record_world.secretary.user.pk


def test_coding_needs_record_write_and_a_care_relation(record_world, contact):
    reception = record_world.world.member(Role.HEALTH_SERVICE_SECRETARY)
    with pytest.raises(PermissionDenied):
        services.contact_diagnosis_add(
            actor=record_world.actor(reception), contact=contact, code=MAIN_CODE, kind="main"
        )
    other_unit = record_world.world.member(Role.DOCTOR, unit=record_world.unit2)
    with pytest.raises(BreakGlassRequired):
        services.contact_diagnosis_add(
            actor=record_world.actor(other_unit), contact=contact, code=MAIN_CODE, kind="main"
        )
    assert not ContactDiagnosis.objects.exists()


def test_contact_of_another_organisation_is_not_found(record_world, contact):
    from django.http import Http404

    with pytest.raises(Http404):
        contact_for_write(actor=record_world.other_doctor_actor, public_id=contact.public_id)


def test_code_search_finds_diagnoses_despite_a_typing_error(record_world):
    hits = selectors.code_search(query="luftvejsinfektoin", kind=HitKind.DIAGNOSIS)
    assert MAIN_CODE in [h.code for h in hits]
    assert all(h.kind == "diagnosis" for h in hits)
    procedures = selectors.code_search(query="appendektomi", kind=HitKind.PROCEDURE)
    assert PROCEDURE_CODE in [h.code for h in procedures]
    assert selectors.code_search(query="a", kind=HitKind.DIAGNOSIS) == []


def test_contacts_with_coding_lists_main_first(record_world, contact):
    _add(record_world, contact, SECOND_CODE, kind=DiagnosisKind.SECONDARY)
    _add(record_world, contact, MAIN_CODE)
    services.contact_procedure_add(actor=record_world.nurse_actor, contact=contact, code=EXAM_CODE)
    [listed] = selectors.contacts_with_coding(patient=record_world.patient)
    assert [d.code for d in listed.active_diagnoses] == [MAIN_CODE, SECOND_CODE]
    assert [p.code for p in listed.active_procedures] == [EXAM_CODE]
    assert listed.has_main


# Problem list ------------------------------------------------------------------------------------


def test_problem_from_a_code_takes_its_text(record_world):
    problem = services.problem_add(
        actor=record_world.doctor_actor, patient=record_world.patient, code="DE119"
    )
    assert problem.code == THIRD_CODE
    assert problem.text == "Type 2-diabetes uden komplikationer"
    assert problem.status == ProblemStatus.ACTIVE


def test_free_text_problem_resolve_and_reopen(record_world):
    rw = record_world
    problem = services.problem_add(
        actor=rw.doctor_actor, patient=rw.patient, text="  Rygsmerter   efter fald "
    )
    assert problem.text == "Rygsmerter efter fald"
    assert problem.code == ""
    resolved = services.problem_resolve(actor=rw.nurse_actor, problem=problem)
    assert resolved.status == ProblemStatus.RESOLVED
    assert resolved.resolved_by == rw.nurse.user
    with pytest.raises(RecordError):
        services.problem_resolve(actor=rw.nurse_actor, problem=problem)
    reopened = services.problem_reopen(actor=rw.nurse_actor, problem=problem)
    assert reopened.status == ProblemStatus.ACTIVE
    assert reopened.resolved_at is None


def test_problem_needs_text_or_a_valid_code(record_world):
    rw = record_world
    with pytest.raises(RecordError) as refused:
        services.problem_add(actor=rw.doctor_actor, patient=rw.patient, text="  ")
    assert refused.value.field == "text"
    with pytest.raises(RecordError) as refused:
        services.problem_add(actor=rw.doctor_actor, patient=rw.patient, code=UNKNOWN_CODE)
    assert refused.value.field == "code"
    with pytest.raises(RecordError) as refused:
        services.problem_add(
            actor=rw.doctor_actor,
            patient=rw.patient,
            text="Astma",
            onset=timezone.localdate() + timezone.timedelta(days=2),
        )
    assert refused.value.field == "onset"
    assert not Problem.objects.exists()


def test_problems_list_active_first(record_world):
    rw = record_world
    old = services.problem_add(actor=rw.doctor_actor, patient=rw.patient, text="Gammel")
    services.problem_resolve(actor=rw.doctor_actor, problem=old)
    services.problem_add(actor=rw.doctor_actor, patient=rw.patient, text="Ny")
    assert [p.text for p in selectors.patient_problems(patient=rw.patient)] == ["Ny", "Gammel"]


# Warnings ----------------------------------------------------------------------------------------


def test_warning_added_shows_in_the_header_context(record_world):
    rw = record_world
    services.warning_add(
        actor=rw.secretary_actor, patient=rw.patient, kind=WarningKind.CAVE, text="penicillin"
    )
    context = record_header_context(actor=rw.doctor_actor, patient=rw.patient)
    assert [w.text for w in context["record_warnings"]] == ["penicillin"]
    assert context["patient"] == rw.patient
    reception = rw.world.member(Role.HEALTH_SERVICE_SECRETARY)
    assert header_warnings(actor=rw.actor(reception), patient=rw.patient) == []


def test_warnings_most_severe_first(record_world):
    rw = record_world
    for text, severity in [
        ("nødder", WarningSeverity.LOW),
        ("latex", WarningSeverity.LIFE_THREATENING),
        ("penicillin", WarningSeverity.HIGH),
    ]:
        services.warning_add(
            actor=rw.doctor_actor,
            patient=rw.patient,
            kind=WarningKind.ALLERGY,
            text=text,
            severity=severity,
        )
    assert [w.text for w in patient_warnings(patient=rw.patient)] == [
        "latex",
        "penicillin",
        "nødder",
    ]


def test_warning_inactivation_needs_a_reason_and_keeps_it(record_world):
    rw = record_world
    warning = services.warning_add(
        actor=rw.doctor_actor, patient=rw.patient, kind=WarningKind.ALLERGY, text="penicillin"
    )
    with pytest.raises(RecordError) as refused:
        services.warning_inactivate(actor=rw.doctor_actor, warning=warning, reason=" ")
    assert refused.value.field == "reason"
    services.warning_inactivate(
        actor=rw.doctor_actor, warning=warning, reason="Provokationstest negativ"
    )
    warning.refresh_from_db()
    assert not warning.is_active
    assert warning.inactivation_reason == "Provokationstest negativ"
    assert warning.inactivated_by == rw.doctor.user
    assert patient_warnings(patient=rw.patient) == []
    assert len(patient_warnings(patient=rw.patient, active_only=False)) == 1
    with pytest.raises(RecordError):
        services.warning_inactivate(actor=rw.doctor_actor, warning=warning, reason="igen")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "nope", "text": "x"}, "kind"),
        ({"kind": "cave", "text": ""}, "text"),
        ({"kind": "cave", "text": "x" * 201}, "text"),
        ({"kind": "cave", "text": "x", "code": "123"}, "code"),
        ({"kind": "cave", "text": "x", "severity": "mild"}, "severity"),
    ],
)
def test_bad_warnings_are_refused_naming_the_field(record_world, fields, field):
    with pytest.raises(RecordError) as refused:
        services.warning_add(
            actor=record_world.doctor_actor, patient=record_world.patient, **fields
        )
    assert refused.value.field == field
    assert not PatientWarning.objects.exists()


def test_contacts_with_coding_reads_in_a_constant_number_of_queries(record_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rw = record_world

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            for c in selectors.contacts_with_coding(patient=rw.patient):
                for row in [*c.active_diagnoses, *c.active_procedures, *c.removed_codes]:
                    _ = (row.recorded_by.username, row.removed_by)
                _ = (c.unit.name, c.responsible)
        return len(queries)

    first = contact_for(rw.doctor_actor, rw.patient)
    _add(rw, first, MAIN_CODE)
    one = count()
    for _ in range(3):
        contact = contact_for(rw.doctor_actor, rw.patient)
        _add(rw, contact, MAIN_CODE)
        _add(rw, contact, SECOND_CODE, kind=DiagnosisKind.SECONDARY)
        services.contact_diagnosis_remove(actor=rw.doctor_actor, contact=contact, code=SECOND_CODE)
        services.contact_procedure_add(actor=rw.nurse_actor, contact=contact, code=EXAM_CODE)
    assert count() == one == 4  # contacts, diagnoses, procedures, stays (LPR3)
