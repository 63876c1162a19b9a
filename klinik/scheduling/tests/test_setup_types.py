"""The manager's appointment-type setup and a unit's online booking settings: a type needs
resources its unit has (a Danish message at the field, nothing saved otherwise), every change is
in the setup log (old → new), another organisation's types and units are out of reach, and the
online page offers times only as far ahead as the unit allows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.errors import SetupCode
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.errors import AppointmentTypeInvalid
from klinik.scheduling.models import AppointmentType, Resource, TypeRequirement, UnitSchedule
from klinik.scheduling.online.services import online_has_later, online_slots
from klinik.scheduling.online.setup import online_settings_update
from klinik.scheduling.tests.factories import clinic_create
from klinik.scheduling.types.services import (
    RequirementInput,
    TypeInput,
    appointment_type_create,
    appointment_type_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a)


@pytest.fixture
def manager(world, actor_for):
    return actor_for(world.member(Role.MANAGER))


def _input(**changes: object) -> TypeInput:
    values: dict[str, object] = {
        "name": "Blodprøve",
        "duration_minutes": 10,
        "buffer_minutes": 5,
        "requirements": [RequirementInput(ResourceKind.PRACTITIONER)],
    }
    return TypeInput(**(values | changes))  # type: ignore[arg-type]


def _entries() -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(action=Action.SETUP_CHANGE).order_by("seq"))


def test_a_type_needing_a_room_pool_and_any_practitioner_is_created_and_logged(
    world, clinic, manager
) -> None:
    room = clinic.rooms[0]
    created = appointment_type_create(
        actor=manager,
        unit=world.unit_a,
        data=_input(
            requirements=[
                RequirementInput(ResourceKind.PRACTITIONER),
                RequirementInput(ResourceKind.ROOM, (room.public_id,)),
            ],
            bookable_online=True,
            attendance="video",
            reminder_hours=48,
            colour="#AA3366",
        ),
    )
    requirements = {q.kind: list(q.allowed.all()) for q in created.requirements.all()}
    assert requirements == {ResourceKind.PRACTITIONER: [], ResourceKind.ROOM: [room]}
    assert (created.colour, created.organisation_id) == ("#aa3366", world.org_a.pk)
    (entry,) = _entries()
    assert entry.object_type == "appointment_type"
    assert entry.object_id == str(created.public_id)
    assert "requirements: practitioner: any; room: Konsultation 1" in entry.reason


def test_a_type_without_resources_is_refused_and_nothing_written(world, clinic, manager) -> None:
    with pytest.raises(AppointmentTypeInvalid) as caught:
        appointment_type_create(actor=manager, unit=world.unit_a, data=_input(requirements=[]))
    assert caught.value.code == SetupCode.NO_REQUIREMENT
    assert caught.value.field_errors() == {
        "requirements": [str(AppointmentTypeInvalid.NO_REQUIREMENT)]
    }
    assert not AppointmentType.objects.filter(name="Blodprøve").exists()
    assert _entries() == []


def test_a_type_needing_a_resource_the_unit_lacks_is_refused_in_danish(
    world, clinic, manager
) -> None:
    foreign_room = clinic_create(world.unit_a2, doctors=0).rooms[0]
    with translation.override("da"), pytest.raises(AppointmentTypeInvalid) as caught:
        appointment_type_create(
            actor=manager,
            unit=world.unit_a,
            data=_input(
                requirements=[
                    RequirementInput(ResourceKind.EQUIPMENT),
                    RequirementInput(ResourceKind.ROOM, (foreign_room.public_id,)),
                ]
            ),
        )
    errors = caught.value.field_errors()
    assert caught.value.code == SetupCode.RESOURCE_MISSING
    assert set(errors) == {"requirement_equipment", "requirement_room"}
    with translation.override("da"):
        expected = str(AppointmentTypeInvalid.RESOURCE_MISSING) % {
            "unit": "Klinik A",
            "kind": str(ResourceKind.EQUIPMENT.label).lower(),
        }
    assert errors["requirement_equipment"] == [expected]
    assert not AppointmentType.objects.filter(name="Blodprøve").exists()
    assert not TypeRequirement.objects.filter(appointment_type__name="Blodprøve").exists()


def test_field_ranges_are_checked_together(world, clinic, manager) -> None:
    with pytest.raises(AppointmentTypeInvalid) as caught:
        appointment_type_create(
            actor=manager,
            unit=world.unit_a,
            data=_input(
                name="",
                duration_minutes=10**9,
                buffer_minutes=-1,
                buffer_before_minutes=241,
                capacity=3,
                colour="blå",
                reminder_hours=-5,
            ),
        )
    assert set(caught.value.field_errors()) == {
        "name",
        "duration_minutes",
        "buffer_minutes",
        "buffer_before_minutes",
        "capacity",
        "colour",
        "reminder_hours",
    }
    with pytest.raises(AppointmentTypeInvalid) as caught:
        appointment_type_create(actor=manager, unit=world.unit_a, data=_input(name="konsultation"))
    assert caught.value.code == SetupCode.NAME_TAKEN


def test_update_replaces_requirements_and_logs_old_to_new(world, clinic, manager) -> None:
    kind = clinic.consultation
    appointment_type_update(
        actor=manager,
        appointment_type=kind,
        data=_input(
            name="Konsultation",
            duration_minutes=20,
            requirements=[
                RequirementInput(ResourceKind.PRACTITIONER, (clinic.doctors[1].public_id,))
            ],
        ),
    )
    kind.refresh_from_db()
    assert kind.duration_minutes == 20
    (requirement,) = kind.requirements.all()
    assert list(requirement.allowed.all()) == [clinic.doctors[1]]
    (entry,) = _entries()
    assert "duration_minutes: 15 → 20" in entry.reason
    assert "requirements: practitioner: any; room: any → practitioner: Læge 2" in entry.reason


def test_type_screens_manager_only_and_own_organisation(world, clinic, login_as) -> None:
    other = clinic_create(world.unit_b)
    client = login_as(world.member(Role.MANAGER))
    response = client.get("/types/")
    assert response.status_code == 200
    assert f'id="type-{clinic.consultation.public_id}"'.encode() in response.content
    assert client.get(f"/types/add/?unit={world.unit_a.public_id}").status_code == 200
    assert client.get(f"/types/{clinic.consultation.public_id}/").status_code == 200
    assert client.get(f"/types/?unit={world.unit_b.public_id}").status_code == 404
    assert client.get(f"/types/add/?unit={world.unit_b.public_id}").status_code == 404
    response = client.post(
        f"/types/{other.consultation.public_id}/",
        {"name": "Overtaget", "duration_minutes": 5, "buffer_minutes": 0, "capacity": 1},
    )
    assert response.status_code == 404
    other.consultation.refresh_from_db()
    assert other.consultation.name == "Konsultation"
    client.logout()
    secretary = login_as(world.member(Role.SECRETARY))
    assert secretary.get("/types/").status_code == 403
    assert secretary.get(f"/types/{clinic.consultation.public_id}/").status_code == 403


def _form(**changes: object) -> dict[str, object]:
    return {
        "name": "Sårskift",
        "duration_minutes": 20,
        "buffer_minutes": 5,
        "buffer_before_minutes": 0,
        "attendance": "in_person",
        "capacity": 1,
        "reminder_hours": 24,
        "colour": "#4a90d9",
        "is_active": "on",
    } | changes


def test_type_form_puts_a_missing_resource_at_its_field(world, clinic, login_as) -> None:
    client = login_as(world.member(Role.MANAGER))
    url = f"/types/add/?unit={world.unit_a.public_id}"
    response = client.post(url, _form(need_equipment="on"))
    assert response.status_code == 400
    assert b'id="id_need_equipment_error"' in response.content
    response = client.post(url, _form())
    assert response.status_code == 400
    assert b"form-errors" in response.content
    assert not AppointmentType.objects.filter(name="Sårskift").exists()
    response = client.post(
        url, _form(need_practitioner="on", need_room="on", allowed_room=[clinic.rooms[0].public_id])
    )
    assert response.status_code == 302
    assert AppointmentType.objects.get(name="Sårskift").requirements.count() == 2


def test_online_settings_choose_types_horizon_and_cancel_limit(world, clinic, manager) -> None:
    online_settings_update(
        actor=manager,
        unit=world.unit_a,
        days_ahead=3,
        cancel_hours=12,
        online_type_ids={clinic.phone.public_id},
    )
    schedule = UnitSchedule.objects.get(unit=world.unit_a)
    assert (schedule.online_days_ahead, schedule.online_cancel_hours) == (3, 12)
    online = set(
        AppointmentType.objects.filter(bookable_online=True).values_list("name", flat=True)
    )
    assert online == {"Telefonkonsultation"}
    (entry,) = _entries()
    assert "online_days_ahead: 365 → 3" in entry.reason
    assert "online_types: Konsultation → Telefonkonsultation" in entry.reason

    # The public page offers no time beyond the horizon and no "later" beyond it.
    today = timezone.localdate(timezone.now(), LOCAL)
    days, _next_day = online_slots(clinic.phone, first_day=today)
    assert all(d.day <= today + timedelta(days=3) for d in days)
    assert not online_has_later(today + timedelta(days=4), world.unit_a.pk)
    later, _ = online_slots(clinic.phone, first_day=today + timedelta(days=10))
    assert later == []


def test_online_settings_refuse_bad_values_and_foreign_types(world, clinic, manager) -> None:
    other = clinic_create(world.unit_b)
    with pytest.raises(AppointmentTypeInvalid) as caught:
        online_settings_update(
            actor=manager,
            unit=world.unit_a,
            days_ahead=0,
            cancel_hours=10_000,
            online_type_ids={other.consultation.public_id},
        )
    assert set(caught.value.field_errors()) == {"days_ahead", "cancel_hours", "types"}
    assert not UnitSchedule.objects.filter(unit=world.unit_a, online_days_ahead=0).exists()
    assert AppointmentType.objects.get(pk=other.consultation.pk).bookable_online


def test_online_settings_screen(world, clinic, login_as) -> None:
    client = login_as(world.member(Role.MANAGER))
    response = client.get("/setup/online/")
    assert response.status_code == 200
    assert b'data-copy="public-link"' in response.content
    assert f"/book/{world.unit_a.slug}/".encode() in response.content
    response = client.post(
        "/setup/online/", {"days_ahead": 30, "cancel_hours": 6, "types": [clinic.phone.public_id]}
    )
    assert response.status_code == 302
    assert UnitSchedule.objects.get(unit=world.unit_a).online_days_ahead == 30
    assert client.get(f"/setup/online/?unit={world.unit_b.public_id}").status_code == 404
    client.logout()
    assert login_as(world.member(Role.SECRETARY)).get("/setup/online/").status_code == 403


def test_resources_of_other_kinds_are_not_a_pool(world, clinic, manager) -> None:
    with pytest.raises(AppointmentTypeInvalid) as caught:
        appointment_type_create(
            actor=manager,
            unit=world.unit_a,
            data=_input(
                requirements=[
                    RequirementInput(ResourceKind.PRACTITIONER, (clinic.rooms[0].public_id,))
                ]
            ),
        )
    assert "requirement_practitioner" in caught.value.field_errors()
    assert Resource.objects.filter(unit=world.unit_a).count() == 3
