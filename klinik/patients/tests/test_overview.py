"""The patient page's register reads (relatives, merges, recent history), written out as SQL:
the same rows as the querysets they replace, merged records' history included."""

from datetime import timedelta

import pytest
from django.utils import timezone

from klinik.core.choices import Role
from klinik.patients.models import PatientChange
from klinik.patients.overview import (
    patient_history_recent,
    patient_merge_rows,
    patient_relatives_list,
)
from klinik.patients.selectors import patient_history, patient_merges, patient_relatives
from klinik.patients.services import (
    patient_merge,
    patient_merge_undo,
    patient_register,
    patient_update,
    relative_add,
)


@pytest.fixture
def actor(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    actor.user.first_name, actor.user.last_name = "Sif", "Sekretær"
    actor.user.save()
    return actor


def _register(actor, cpr, given="Anna", family="Berg"):
    return patient_register(actor=actor, cpr=cpr, given_name=given, family_name=family).patient


def test_relatives_primary_contact_first_then_by_name(actor):
    patient = _register(actor, "0101901234")
    for name, primary in (("Øjvind", False), ("Bo", False), ("Carl", True)):
        relative_add(
            actor=actor, patient=patient, name=name, relation="child", is_primary_contact=primary
        )
    listed = patient_relatives_list(patient=patient)
    assert [r.name for r in listed] == ["Carl", "Bo", "Øjvind"]
    assert [r.pk for r in listed] == [r.pk for r in patient_relatives(patient=patient)]
    assert listed[0].get_relation_display() and listed[0].public_id and listed[0].created_at


def test_history_holds_records_merged_in_even_a_merge_of_a_merge(world, actor):
    target = _register(actor, "0101901234")
    middle = _register(actor, "010190-1AB2")
    oldest = _register(actor, "010190-1AB3")
    patient_update(actor=actor, patient=oldest, data={"phone": "22334455"}, reason="ringede")
    patient_merge(actor=actor, source=oldest, target=middle)
    patient_merge(actor=actor, source=middle, target=target)
    other = _register(actor, "0202901234", given="Else")
    patient_update(actor=actor, patient=other, data={"phone": "99887766"})

    rows = patient_history_recent(patient=target)
    expected = list(patient_history(patient=target))
    assert [(r.changed_at, r.field, r.old_value, r.new_value, r.reason) for r in rows] == [
        (c.changed_at, c.field, c.old_value, c.new_value, c.reason) for c in expected
    ]
    assert ("phone", "22334455", "ringede") in {(r.field, r.new_value, r.reason) for r in rows}
    assert "99887766" not in {r.new_value for r in rows}  # another patient's
    assert {r.who for r in rows} == {"Sif Sekretær"}


def test_history_is_the_newest_first_and_limited(actor):
    patient = _register(actor, "0101901234")
    now = timezone.now()
    PatientChange.objects.bulk_create(
        PatientChange(
            organisation_id=patient.organisation_id,
            patient=patient,
            changed_at=now - timedelta(minutes=i),
            changed_by=None,
            field=f"f{i}",
        )
        for i in range(60)
    )
    rows = patient_history_recent(patient=patient)
    assert len(rows) == 50
    assert [r.field for r in rows[:3]] == ["f0", "f1", "f2"]
    assert rows[0].who == ""  # nobody recorded
    assert rows[0].changed_at == now


def test_merges_newest_first_undone_ones_too(world, actor, actor_for):
    target = _register(actor, "0101901234")
    first = _register(actor, "010190-1AB2")
    second = _register(actor, "010190-1AB3")
    undone = patient_merge(actor=actor, source=first, target=target)
    manager = actor_for(world.member(Role.MANAGER))
    patient_merge_undo(actor=manager, merge=undone, reason="forkert person")
    kept = patient_merge(actor=actor, source=second, target=target)

    rows = patient_merge_rows(patient=target)
    assert [m.public_id for m in rows] == [m.public_id for m in patient_merges(patient=target)]
    assert [m.public_id for m in rows] == [kept.public_id, undone.public_id]
    assert rows[0].source_cpr_display == "010190-1AB3"
    assert rows[0].merged_by == "Sif Sekretær"
    assert rows[0].undone_at is None and rows[1].undone_at is not None
    assert patient_merge_rows(patient=second) == []
