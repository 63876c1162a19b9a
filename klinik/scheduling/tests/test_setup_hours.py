"""The schedule's setup services: working hours with validity periods, alternating weeks and
breaks (refused overlaps write nothing), absences over booked appointments (cancelled with a
notice in the same transaction), closing days, every change in the setup log old → new, and
slot search honouring all of it."""

from __future__ import annotations

from datetime import date, time, timedelta

import holidays
import pytest
from django.core.exceptions import PermissionDenied

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.correspondence.tests.helpers import pending, plan_notices, reachable_by, run_due_tasks
from klinik.scheduling.availability import LOCAL, is_odd_week
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AbsenceKind, AppointmentStatus, ResourceKind, WeekParity
from klinik.scheduling.models import Absence, Appointment, Resource, UnitSchedule, WorkingHours
from klinik.scheduling.setup.errors import SetupCode, SetupError
from klinik.scheduling.setup.selectors import week_preview
from klinik.scheduling.setup.services import (
    HoursInput,
    absence_add,
    absence_delete,
    hours_replace,
    resource_create,
    resource_update,
    unit_closing_days_update,
)
from klinik.scheduling.slots import find_slots
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

pytestmark = pytest.mark.django_db

EVERY_DAY = range(7)


@pytest.fixture
def manager(world, actor_for):
    return actor_for(world.member(Role.MANAGER))


@pytest.fixture
def secretary(world, actor_for):
    return actor_for(world.member(Role.SECRETARY))


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a, doctors=1)


@pytest.fixture
def day():
    return next_workday(days_ahead=7)


def _hours(*rows: tuple[int, int, int], **extra: object) -> list[HoursInput]:
    return [HoursInput(weekday=w, start=time(a), end=time(b), **extra) for w, a, b in rows]


def _slot_days(clinic, first: date, days: int) -> list[date]:
    found = find_slots(
        appointment_type=clinic.phone,
        start=at(first, 0),
        end=at(first + timedelta(days=days), 0),
        limit=100,
    )
    return sorted({slot.start.astimezone(LOCAL).date() for slot in found})


def _setup_log(object_type: str) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(action=Action.SETUP_CHANGE, object_type=object_type)
        .order_by("seq")
        .values_list("reason", flat=True)
    )


# Working hours -----------------------------------------------------------------------------------


def test_hours_replace_sets_the_whole_set_and_logs_old_to_new(manager, clinic):
    doctor = clinic.doctors[0]
    hours_replace(actor=manager, resource=doctor, rows=_hours((0, 8, 12), (0, 13, 16)))
    rows = list(WorkingHours.objects.filter(resource=doctor).values_list("weekday", "start", "end"))
    assert rows == [(0, time(8), time(12)), (0, time(13), time(16))]
    log = _setup_log("working_hours")
    assert log[-1].startswith("changed: hours: man 08:00-12:00; man 12:30-16:00")
    assert log[-1].endswith("→ man 08:00-12:00; man 13:00-16:00")


@pytest.mark.parametrize(
    ("rows", "code", "field"),
    [
        (_hours((1, 12, 8)), SetupCode.HOURS_ORDER, "hours.0.end"),
        (_hours((1, 8, 12), (1, 11, 14)), SetupCode.HOURS_OVERLAP, "hours.1.start"),
        (
            [HoursInput(1, time(8), time(12), date(2027, 2, 1), date(2027, 1, 1))],
            SetupCode.VALIDITY_ORDER,
            "hours.0.valid_to",
        ),
        (
            [
                HoursInput(2, time(8), time(12), weeks=WeekParity.EVEN),
                HoursInput(2, time(10), time(14)),
            ],
            SetupCode.HOURS_OVERLAP,
            "hours.1.start",
        ),
    ],
)
def test_hours_that_cannot_hold_are_refused_and_nothing_is_written(
    manager, clinic, rows, code, field
):
    doctor = clinic.doctors[0]
    before = list(WorkingHours.objects.filter(resource=doctor).values_list("pk", flat=True))
    logged = len(_setup_log("working_hours"))
    with pytest.raises(SetupError) as refused:
        hours_replace(actor=manager, resource=doctor, rows=rows)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert list(WorkingHours.objects.filter(resource=doctor).values_list("pk", flat=True)) == before
    assert len(_setup_log("working_hours")) == logged


def test_rows_in_other_weeks_or_periods_may_share_a_weekday(manager, clinic):
    rows = [
        HoursInput(3, time(8), time(16), weeks=WeekParity.EVEN),
        HoursInput(3, time(8), time(12), weeks=WeekParity.ODD),
        HoursInput(4, time(8), time(12), valid_to=date(2027, 5, 31)),
        HoursInput(4, time(9), time(15), valid_from=date(2027, 6, 1)),
    ]
    assert len(hours_replace(actor=manager, resource=clinic.doctors[0], rows=rows)) == 4


def test_a_secretary_may_not_change_hours(secretary, clinic):
    with pytest.raises(PermissionDenied):
        hours_replace(actor=secretary, resource=clinic.doctors[0], rows=[])


def test_slot_search_honours_the_validity_period(manager, clinic, day):
    doctor = clinic.doctors[0]
    first, last = day + timedelta(days=3), day + timedelta(days=5)
    rows = [HoursInput(w, time(8), time(12), valid_from=first, valid_to=last) for w in EVERY_DAY]
    hours_replace(actor=manager, resource=doctor, rows=rows)
    days = _slot_days(clinic, day, 10)
    assert days
    assert all(first <= d <= last for d in days)


def test_slot_search_honours_alternating_weeks(manager, clinic, day):
    rows = [HoursInput(w, time(8), time(12), weeks=WeekParity.ODD) for w in EVERY_DAY]
    hours_replace(actor=manager, resource=clinic.doctors[0], rows=rows)
    days = _slot_days(clinic, day, 15)
    assert days
    assert all(is_odd_week(d) for d in days)
    rows = [HoursInput(w, time(8), time(12), weeks=WeekParity.EVEN) for w in EVERY_DAY]
    hours_replace(actor=manager, resource=clinic.doctors[0], rows=rows)
    days = _slot_days(clinic, day, 15)
    assert days
    assert not any(is_odd_week(d) for d in days)


def test_week_preview_shows_breaks_parity_and_absences(manager, clinic, day):
    doctor = clinic.doctors[0]
    monday = day - timedelta(days=day.weekday())
    parity = WeekParity.ODD if is_odd_week(monday) else WeekParity.EVEN
    other = WeekParity.EVEN if parity == WeekParity.ODD else WeekParity.ODD
    rows = [
        HoursInput(day.weekday(), time(8), time(12)),
        HoursInput(day.weekday(), time(13), time(16), weeks=parity),
        HoursInput(day.weekday(), time(16), time(18), weeks=other),
    ]
    hours_replace(actor=manager, resource=doctor, rows=rows)
    preview = {d.day: d for d in week_preview(resource=doctor, monday=monday)}
    assert preview[day].spans == [(time(8), time(12)), (time(13), time(16))]
    absence_add(
        actor=manager,
        unit=clinic.unit,
        resource=doctor,
        kind=AbsenceKind.COURSE,
        start=at(day, 9),
        end=at(day, 10),
    )
    preview = {d.day: d for d in week_preview(resource=doctor, monday=monday)}
    assert preview[day].spans == [(time(8), time(9)), (time(10), time(12)), (time(13), time(16))]


# Resources ---------------------------------------------------------------------------------------


def test_resource_create_and_update_are_logged(world, manager):
    doctor_member = world.member(Role.DOCTOR)
    resource = resource_create(
        actor=manager,
        unit=world.unit_a,
        kind=ResourceKind.PRACTITIONER,
        name="Dr. Holm",
        user=doctor_member.user,
        colour="#AA0000",
    )
    resource_update(
        actor=manager,
        resource=resource,
        name="Dr. Holm",
        user=doctor_member.user,
        colour="#aa0000",
        is_active=False,
    )
    log = _setup_log("resource")
    assert log[0].startswith("created: kind: ")
    assert "; name: Dr. Holm; user: " in log[0]
    assert log[1] == "changed: is_active: ja → nej"
    assert not Resource.objects.get(pk=resource.pk).is_active


def test_a_room_is_linked_to_no_user_and_a_user_must_be_staff_of_the_unit(world, manager):
    other_unit_member = world.member(Role.DOCTOR, unit=world.unit_a2)
    with pytest.raises(SetupError) as refused:
        resource_create(
            actor=manager,
            unit=world.unit_a,
            kind=ResourceKind.ROOM,
            name="Stue 3",
            user=world.member(Role.DOCTOR).user,
        )
    assert refused.value.code == SetupCode.USER_ONLY_PRACTITIONER
    with pytest.raises(SetupError) as refused:
        resource_create(
            actor=manager,
            unit=world.unit_a,
            kind=ResourceKind.PRACTITIONER,
            name="Dr. Anden",
            user=other_unit_member.user,
        )
    assert (refused.value.code, refused.value.field) == (SetupCode.USER_NOT_STAFF, "user")
    assert not Resource.objects.filter(unit=world.unit_a).exists()


# Absences ----------------------------------------------------------------------------------------


def _book(secretary, patient, clinic, start) -> Appointment:
    return appointment_book(
        actor=secretary, patient=patient, appointment_type=clinic.phone, start=start
    )


def test_slot_search_offers_no_time_inside_an_absence(manager, clinic, day):
    doctor = clinic.doctors[0]
    absence_add(
        actor=manager,
        unit=clinic.unit,
        resource=doctor,
        kind=AbsenceKind.SICK,
        start=at(day, 8),
        end=at(day, 12),
    )
    found = find_slots(appointment_type=clinic.phone, start=at(day, 0), end=at(day, 23))
    assert found
    assert min(slot.start for slot in found) == at(day, 12, 30)


def test_an_absence_over_booked_appointments_lists_them_and_keeps_them(
    world, manager, secretary, clinic, day
):
    booked = _book(secretary, world.patient_a, clinic, at(day, 9))
    added = absence_add(
        actor=manager,
        unit=clinic.unit,
        resource=clinic.doctors[0],
        kind=AbsenceKind.VACATION,
        start=at(day, 0),
        end=at(day + timedelta(days=1), 0),
    )
    assert [a.public_id for a in added.conflicts] == [booked.public_id]
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.BOOKED
    assert _setup_log("absence")[-1].startswith("created: resource: Læge 1; kind: ")


def test_cancelling_the_appointments_with_the_absence_notifies_each_patient(
    world, secretary, clinic, day, clock
):
    clock.set(at(day - timedelta(days=3), 10))
    patient = reachable_by(world.patient_a, email=True)
    booked = _book(secretary, patient, clinic, at(day, 9))
    kept = _book(secretary, world.patient_a2, clinic, at(day, 10))
    plan_notices()
    clock.advance(minutes=10)
    run_due_tasks()  # the confirmation goes out: the patient knows of the appointment
    added = absence_add(
        actor=secretary,
        unit=clinic.unit,
        resource=clinic.doctors[0],
        kind=AbsenceKind.SICK,
        start=at(day, 8),
        end=at(day, 12),
        cancel={booked.public_id},
        cancel_reason="Lægen er syg",
    )
    plan_notices()
    assert [a.public_id for a in added.cancelled] == [booked.public_id]
    assert [a.public_id for a in added.conflicts] == [kept.public_id]
    cancelled = Appointment.objects.get(pk=booked.pk)
    assert (cancelled.status, cancelled.cancel_reason) == (
        AppointmentStatus.CANCELLED,
        "Lægen er syg",
    )
    notice = pending(booked, "cancelled")
    assert notice.recipient == "alma@example.dk"


def test_a_manager_without_booking_rights_cannot_cancel_and_nothing_is_written(
    world, manager, secretary, clinic, day
):
    booked = _book(secretary, world.patient_a, clinic, at(day, 9))
    with pytest.raises(PermissionDenied):
        absence_add(
            actor=manager,
            unit=clinic.unit,
            resource=clinic.doctors[0],
            kind=AbsenceKind.SICK,
            start=at(day, 8),
            end=at(day, 12),
            cancel={booked.public_id},
        )
    assert not Absence.objects.exists()
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.BOOKED


def test_an_absence_ending_before_it_starts_is_refused(manager, clinic, day):
    with pytest.raises(SetupError) as refused:
        absence_add(
            actor=manager,
            unit=clinic.unit,
            resource=clinic.doctors[0],
            kind=AbsenceKind.COURSE,
            start=at(day, 12),
            end=at(day, 8),
        )
    assert (refused.value.code, refused.value.field) == (SetupCode.ABSENCE_ORDER, "end")
    assert not Absence.objects.exists()


def test_deleting_an_absence_makes_the_time_bookable_again(manager, clinic, day):
    added = absence_add(
        actor=manager,
        unit=clinic.unit,
        resource=clinic.doctors[0],
        kind=AbsenceKind.OTHER,
        start=at(day, 0),
        end=at(day + timedelta(days=1), 0),
    )
    assert not find_slots(appointment_type=clinic.phone, start=at(day, 0), end=at(day, 23))
    absence_delete(actor=manager, absence=added.absence)
    assert find_slots(appointment_type=clinic.phone, start=at(day, 0), end=at(day, 23))
    assert _setup_log("absence")[-1].startswith("deleted: resource: Læge 1")


# Closing days ------------------------------------------------------------------------------------


def test_a_closing_of_the_unit_closes_every_resource(manager, secretary, clinic, day):
    absence_add(
        actor=manager,
        unit=clinic.unit,
        resource=None,
        kind=AbsenceKind.CLOSED,
        start=at(day, 0),
        end=at(day + timedelta(days=1), 0),
        note="Personaledag",
    )
    assert not find_slots(appointment_type=clinic.phone, start=at(day, 0), end=at(day, 23))
    assert _setup_log("closing_day")[-1].endswith("note: Personaledag")
    with pytest.raises(PermissionDenied):  # closing the unit is the manager's
        absence_add(
            actor=secretary,
            unit=clinic.unit,
            resource=None,
            kind=AbsenceKind.CLOSED,
            start=at(day, 0),
            end=at(day, 12),
        )


def test_optional_days_close_the_unit_when_chosen(manager, clinic):
    hours_replace(
        actor=manager,
        resource=clinic.doctors[0],
        rows=[HoursInput(w, time(8), time(12)) for w in EVERY_DAY],
    )
    # Next year's Grundlovsdag, or a later one: in some years it is Whit Monday as well.
    year = date.today().year + 1  # noqa: DTZ011 (the suite's clock)
    while date(year, 6, 5) in holidays.country_holidays("DK", years=[year]):
        year += 1
    constitution_day = date(year, 6, 5)

    def open_that_day() -> bool:
        return bool(
            find_slots(
                appointment_type=clinic.phone,
                start=at(constitution_day, 0),
                end=at(constitution_day, 23),
            )
        )

    assert open_that_day()
    unit_closing_days_update(
        actor=manager,
        unit=clinic.unit,
        closed_on_public_holidays=True,
        closed_optional_days=["Grundlovsdag", "Juleaftensdag"],
    )
    assert not open_that_day()
    schedule = UnitSchedule.objects.get(unit=clinic.unit)
    assert schedule.closed_optional_days == ["Grundlovsdag", "Juleaftensdag"]
    assert _setup_log("unit_schedule")[-1] == (
        "changed: closed_optional_days: — → Grundlovsdag, Juleaftensdag"
    )
    with pytest.raises(SetupError) as refused:
        unit_closing_days_update(
            actor=manager,
            unit=clinic.unit,
            closed_on_public_holidays=True,
            closed_optional_days=["Mortensaften"],
        )
    assert refused.value.code == SetupCode.UNKNOWN_DAY
