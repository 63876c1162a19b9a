"""Registering, changing, merging and restricting patients: rules, history and the log."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.patients.choices import IdentifierKind, PatientStatus, Sex
from klinik.patients.errors import PatientDuplicate, PatientInvalid, SimilarPatientsExist
from klinik.patients.models import FormerIdentifier, Patient, PatientChange, Relative
from klinik.patients.services import (
    patient_change_identifier,
    patient_lift_restriction,
    patient_merge,
    patient_merge_undo,
    patient_register,
    patient_restrict,
    patient_update,
    relative_add,
)


@pytest.fixture
def actor(world, actor_for):
    return actor_for(world.member(Role.SECRETARY))


def _register(actor, cpr="0707614285", given="Mette", family="Jensen", **kw):
    return patient_register(actor=actor, cpr=cpr, given_name=given, family_name=family, **kw)


def test_register_derives_birth_date_and_sex_and_logs(actor):
    registration = _register(actor, cpr="070761-4285")
    patient = registration.patient
    assert patient.cpr == "0707614285"
    assert patient.birth_date == date(1961, 7, 7)
    assert patient.sex == Sex.MALE
    assert patient.organisation == actor.organisation
    assert AccessLogEntry.objects.filter(
        patient_id=patient.public_id, action=Action.CREATE
    ).exists()


def test_sex_is_stored_on_its_own(actor):
    patient = _register(actor, sex="female").patient
    assert patient.sex == Sex.FEMALE


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cpr": "3102001234"}, "cpr"),
        ({"cpr": "01019A1234"}, "cpr"),
        ({"given": "  "}, "given_name"),
        ({"phone": "1234"}, "phone"),
        ({"email": "ikke-en-adresse"}, "email"),
        ({"postal_code": "80000"}, "postal_code"),
        ({"birth_date": date(1961, 7, 8)}, "birth_date"),
        ({"birth_date": timezone.localdate() + timedelta(days=3)}, "birth_date"),
        ({"sex": "hermafrodit"}, "sex"),
        ({"insurance_group": 3}, "insurance_group"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(actor, fields, field):
    before = (Patient.objects.count(), AccessLogEntry.objects.count())
    with pytest.raises(PatientInvalid) as exc:
        _register(actor, **fields)
    assert field in exc.value.errors
    assert (Patient.objects.count(), AccessLogEntry.objects.count()) == before


def test_duplicate_cpr_is_refused_in_the_same_organisation_only(world, actor, actor_for):
    first = _register(actor).patient
    with pytest.raises(PatientDuplicate) as exc:
        _register(actor, given="Anden", family="Person")
    assert exc.value.existing_public_id == first.public_id
    other = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    assert _register(other).patient.organisation == world.org_b


def test_similar_patient_warns_before_creating(actor):
    _register(actor, cpr="0707614285", given="Mette", family="Jensen")
    before = Patient.objects.count()
    with pytest.raises(SimilarPatientsExist) as exc:
        _register(
            actor, cpr="0707614269", given="Mette Marie", family="Jensen", allow_similar=False
        )
    assert len(exc.value.candidates) == 1
    assert Patient.objects.count() == before
    registration = _register(actor, cpr="0707614269", given="Mette Marie", family="Jensen")
    assert [p.given_name for p in registration.similar] == ["Mette"]


def test_replacement_number_registers(actor):
    patient = _register(actor, cpr="010190-1AB2", given="Anna", family="Berg").patient
    assert patient.identifier_kind == IdentifierKind.X_ECPR
    assert patient.birth_date == date(1990, 1, 1)


def test_update_keeps_who_when_old_and_new(actor):
    patient = _register(actor, phone="22334455").patient
    patient_update(
        actor=actor,
        patient=patient,
        data={"phone": "+45 87 65 43 21", "city": "Aarhus C"},
        reason="ringede",
    )
    patient.refresh_from_db()
    assert patient.phone == "87654321"
    assert patient.phone_digits == "87654321"
    changes = {c.field: c for c in PatientChange.objects.filter(patient=patient)}
    assert changes["phone"].old_value == "22334455"
    assert changes["phone"].new_value == "87654321"
    assert changes["phone"].changed_by == actor.user
    assert changes["phone"].reason == "ringede"
    assert "city" in changes


def test_invalid_update_changes_nothing(actor):
    patient = _register(actor, phone="22334455").patient
    with pytest.raises(PatientInvalid):
        patient_update(actor=actor, patient=patient, data={"phone": "12", "city": "Aarhus"})
    patient.refresh_from_db()
    assert (patient.phone, patient.city) == ("22334455", "")
    assert not PatientChange.objects.exists()


def test_name_change_updates_search_tokens(actor):
    from klinik.audit.choices import Channel
    from klinik.patients.selectors import patient_search

    patient = _register(actor).patient
    patient_update(actor=actor, patient=patient, data={"family_name": "Østergaard"})
    assert patient_search(actor=actor, query="ostergaard", channel=Channel.UI)
    assert not patient_search(actor=actor, query="jensen", channel=Channel.UI)


def test_death_date_cannot_precede_birth_or_lie_ahead(actor):
    patient = _register(actor).patient
    with pytest.raises(PatientInvalid):
        patient_update(actor=actor, patient=patient, data={"deceased_date": date(1950, 1, 1)})
    with pytest.raises(PatientInvalid):
        patient_update(
            actor=actor,
            patient=patient,
            data={"deceased_date": timezone.localdate() + timedelta(days=1)},
        )


def test_replacement_number_gets_its_cpr_and_keeps_the_old_one(actor):
    from klinik.audit.choices import Channel
    from klinik.patients.selectors import patient_search

    patient = _register(actor, cpr="010190-1AB2", given="Anna", family="Berg").patient
    patient_change_identifier(
        actor=actor, patient=patient, new_number="0101901234", reason="CPR-nummer modtaget"
    )
    patient.refresh_from_db()
    assert patient.cpr == "0101901234"
    assert patient.identifier_kind == IdentifierKind.CPR
    assert FormerIdentifier.objects.get(patient=patient).identifier == "0101901AB2"
    # Searching the old number still finds the patient.
    hits = patient_search(actor=actor, query="010190-1AB2", channel=Channel.UI)
    assert [h.public_id for h in hits] == [patient.public_id]
    with pytest.raises(PatientInvalid):
        patient_change_identifier(actor=actor, patient=patient, new_number="0101901235", reason="")


def test_merge_moves_everything_and_undo_restores(world, actor, actor_for):
    replacement = _register(
        actor, cpr="010190-1AB2", given="Anna", family="Berg", phone="22334455"
    ).patient
    relative_add(actor=actor, patient=replacement, name="Bo Berg", relation="spouse")
    real = _register(actor, cpr="0101901234", given="Anna", family="Berg").patient
    # Either direction: the record with the real CPR survives.
    merge = patient_merge(actor=actor, source=real, target=replacement, reason="samme person")
    assert merge.target == real
    replacement.refresh_from_db()
    real.refresh_from_db()
    assert replacement.status == PatientStatus.MERGED
    assert replacement.merged_into == real
    assert real.phone == "22334455"  # filled in from the merged record
    assert Relative.objects.get().patient == real
    with pytest.raises(PatientInvalid):
        patient_merge(actor=actor, source=replacement, target=real)

    manager = actor_for(world.member(Role.MANAGER))
    patient_merge_undo(actor=manager, merge=merge, reason="forkert person")
    replacement.refresh_from_db()
    real.refresh_from_db()
    assert replacement.status == PatientStatus.ACTIVE
    assert real.phone == ""
    assert Relative.objects.get().patient == replacement
    assert AccessLogEntry.objects.filter(reason="merge undone").count() == 2


def test_only_administrators_undo_merges(actor):
    from django.core.exceptions import PermissionDenied

    a = _register(actor, cpr="010190-1AB2", given="Anna", family="Berg").patient
    b = _register(actor, cpr="0101901234", given="Anna", family="Berg").patient
    merge = patient_merge(actor=actor, source=a, target=b)
    with pytest.raises(PermissionDenied):
        patient_merge_undo(actor=actor, merge=merge, reason="x")


def test_restriction_blocks_changes_until_lifted(actor):
    patient = _register(actor).patient
    with pytest.raises(PatientInvalid):
        patient_restrict(actor=actor, patient=patient, reason=" ")
    patient_restrict(actor=actor, patient=patient, reason="Patienten ønsker sletning")
    patient.refresh_from_db()
    assert patient.is_restricted
    with pytest.raises(PatientInvalid):
        patient_update(actor=actor, patient=patient, data={"city": "Odense"})
    patient_lift_restriction(actor=actor, patient=patient, reason="Fortrudt")
    patient.refresh_from_db()
    patient_update(actor=actor, patient=patient, data={"city": "Odense"})


def test_roles_without_edit_permission_cannot_register(world, actor_for):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _register(actor_for(world.member(Role.LAB_TECHNICIAN)))
    assert not Patient.objects.filter(cpr="0707614285").exists()
