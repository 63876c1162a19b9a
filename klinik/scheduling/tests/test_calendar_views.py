"""The calendar screens through Django's test client: blocks where the appointments are,
booking through the panel (a refused time offers alternatives), status changes and their
undo, cancelling needs a reason, a refused move changes nothing, another organisation's
appointment is a 404, and the week of twenty practitioners takes constant queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.html import Element, parse_html
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.tests.factories import OrganisationFactory, UnitFactory
from klinik.correspondence.choices import MessageReason
from klinik.correspondence.tests.helpers import reachable_by
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus, BookedVia
from klinik.scheduling.errors import BookingError
from klinik.scheduling.hooks import notice_route
from klinik.scheduling.models import (
    Absence,
    Appointment,
    AppointmentEvent,
    AppointmentResource,
)
from klinik.scheduling.series import series_book
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.transitions import appointment_cancel

PANEL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "cal-panel"}
GRID = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "cal-grid"}


@pytest.fixture
def secretary(world, login_as):
    membership = world.member(Role.SECRETARY)
    login_as(membership)
    return membership


@pytest.fixture
def actor(secretary, actor_for):
    return actor_for(secretary)


@pytest.fixture
def day() -> date:
    return next_workday()


def book(actor, patient, kind, start, **kwargs) -> Appointment:
    return appointment_book(
        actor=actor, patient=patient, appointment_type=kind, start=start, **kwargs
    )


def danish(message: object) -> str:
    with translation.override("da"):
        return str(message)


# Reading the grid ------------------------------------------------------------------------------


def _walk(node: Element | str, ancestors: tuple = ()) -> Iterator[tuple[Element, tuple]]:
    if isinstance(node, str):
        return
    yield node, ancestors
    for child in node.children:
        yield from _walk(child, (*ancestors, node))


def _attrs(element: Element) -> dict[str, str]:
    return {name: value or "" for name, value in element.attributes}


def grid_of(response) -> Element:
    assert response.status_code == 200, response.content[:500]
    return parse_html(response.content.decode())


def columns(grid: Element) -> list[dict[str, str]]:
    return [_attrs(el) for el, _ in _walk(grid) if "cal-col" in _attrs(el).get("class", "").split()]


def block(grid: Element, appointment: Appointment) -> tuple[dict[str, str], set[str]]:
    """The block's column (its data attributes) and the block's classes."""
    for el, ancestors in _walk(grid):
        attrs = _attrs(el)
        if attrs.get("data-appointment") == str(appointment.public_id):
            column = next(
                _attrs(a) for a in reversed(ancestors) if "cal-col" in _attrs(a).get("class", "")
            )
            holder = el
            if "appt-link" in attrs.get("class", ""):
                holder = next(
                    a for a in reversed(ancestors) if "appt" in _attrs(a).get("class", "").split()
                )
            return column, set(_attrs(holder)["class"].split())
    raise AssertionError(f"no block for {appointment.public_id}")


def free_times(grid: Element, resource) -> list[str]:
    times = []
    for el, ancestors in _walk(grid):
        attrs = _attrs(el)
        if "cell" in attrs.get("class", "").split() and el.name == "a":
            column = next(_attrs(a) for a in reversed(ancestors) if "data-resource" in _attrs(a))
            if column["data-resource"] == str(resource.public_id):
                times.append(attrs["data-time"])
    return times


# The day and the week --------------------------------------------------------------------------


def test_day_view_places_each_appointment_in_its_column_and_rows(world, clinic, actor, client, day):
    first = book(
        actor, world.patient_a, clinic.consultation, at(day, 9), practitioner=clinic.doctors[0]
    )
    second = book(
        actor, world.patient_a, clinic.phone, at(day, 10, 30), practitioner=clinic.doctors[1]
    )
    page = client.get("/calendar/", {"date": day.isoformat()})
    assert page.status_code == 200
    body = page.content.decode()
    assert world.patient_a.name in body
    assert "klinik/calendar.js" in body and "klinik/calendar.css" in body

    grid = grid_of(client.get("/calendar/", {"date": day.isoformat()}, **GRID))
    # Practitioners by default: the two doctors, not the room.
    assert [c["data-resource"] for c in columns(grid)] == [str(d.public_id) for d in clinic.doctors]
    column, classes = block(grid, first)
    assert column["data-resource"] == str(clinic.doctors[0].public_id)
    # The grid runs 08:00-16:00 in 5-minute rows: 09:00 is row 13, 15 minutes are 3 rows.
    assert {"rs-13", "rn-3", f"t-{clinic.consultation.public_id.hex}", "st-booked"} <= classes
    column, classes = block(grid, second)
    assert column["data-resource"] == str(clinic.doctors[1].public_id)
    assert {"rs-31", "rn-2", f"t-{clinic.phone.public_id.hex}"} <= classes
    # Free cells follow the opening hours: nothing over lunch, nothing under the booking.
    free = free_times(grid, clinic.doctors[0])
    assert "08:45" in free and "12:30" in free
    assert "12:00" not in free and "12:15" not in free
    assert "09:00" not in free and "09:15" not in free  # booked, with its buffer
    assert "09:20" in free


def test_cancelled_appointments_are_hidden_unless_asked_for(world, clinic, actor, client, day):
    appointment = book(actor, world.patient_a, clinic.phone, at(day, 9))
    appointment_cancel(actor=actor, appointment=appointment, reason="Afbud")
    hidden = grid_of(client.get("/calendar/", {"date": day.isoformat()}, **GRID))
    with pytest.raises(AssertionError):
        block(hidden, appointment)
    shown = grid_of(client.get("/calendar/", {"date": day.isoformat(), "cancelled": "1"}, **GRID))
    assert "st-cancelled" in block(shown, appointment)[1]


def test_absence_and_holiday_are_shaded_and_not_bookable(world, clinic, client, secretary, day):
    Absence.objects.create(
        organisation_id=world.org_a.pk,
        unit=clinic.unit,
        resource=clinic.doctors[0],
        kind="vacation",
        start=at(day, 0),
        end=at(day + timedelta(days=1), 0),
    )
    grid = grid_of(client.get("/calendar/", {"date": day.isoformat()}, **GRID))
    assert free_times(grid, clinic.doctors[0]) == []
    assert free_times(grid, clinic.doctors[1])
    shades = [
        _attrs(el)["class"]
        for el, _ in _walk(grid)
        if "shade-absence" in _attrs(el).get("class", "")
    ]
    assert shades
    christmas = date(day.year + 1, 12, 25)
    closed = grid_of(client.get("/calendar/", {"date": christmas.isoformat()}, **GRID))
    assert free_times(closed, clinic.doctors[0]) == []
    assert "shade-holiday" in closed.__str__()


def test_resources_can_be_chosen_and_are_remembered(world, clinic, client, secretary, day):
    room = clinic.rooms[0]
    chosen = {"date": day.isoformat(), "r": [str(room.public_id)], "grid": "5"}
    grid = grid_of(client.get("/calendar/", chosen, **GRID))
    assert [c["data-resource"] for c in columns(grid)] == [str(room.public_id)]
    assert "grid-5" in str(grid)
    # A bare /calendar/ comes back to the same columns and grid.
    again = client.get("/calendar/", **GRID)
    assert [c["data-resource"] for c in columns(grid_of(again))] == [str(room.public_id)]


def test_week_of_one_practitioner_has_a_column_per_working_day(world, clinic, actor, client):
    monday = next_workday(weekday=0, also_open=range(1, 5))
    wednesday = monday + timedelta(days=2)
    appointment = book(
        actor, world.patient_a, clinic.phone, at(wednesday, 14), practitioner=clinic.doctors[0]
    )
    params = {"date": wednesday.isoformat(), "r": [str(clinic.doctors[0].public_id)]}
    grid = grid_of(client.get("/calendar/week/", params, **GRID))
    days = [c["data-date"] for c in columns(grid)]
    assert days[0] == monday.isoformat()
    assert len(days) == 5  # nobody works the weekend: no empty columns
    column, classes = block(grid, appointment)
    assert column["data-date"] == wednesday.isoformat()
    assert "rs-73" in classes  # 14:00 is 6 hours after 08:00: row 6 * 12 + 1


def test_week_overview_counts_appointments_without_showing_patients(world, clinic, actor, client):
    monday = next_workday(weekday=0)
    book(actor, world.patient_a, clinic.phone, at(monday, 9), practitioner=clinic.doctors[0])
    book(actor, world.patient_a, clinic.phone, at(monday, 10), practitioner=clinic.doctors[0])
    logged = AccessLogEntry.objects.count()
    response = client.get("/calendar/week/", {"date": monday.isoformat()})
    assert response.status_code == 200
    body = response.content.decode()
    with translation.override("da"):
        two = ngettext("%(count)d appointment", "%(count)d appointments", 2) % {"count": 2}
    assert two in body
    assert world.patient_a.name not in body
    assert "seg-busy" in body
    assert AccessLogEntry.objects.count() == logged  # no patient shown, nothing to log


def test_week_overview_shows_a_block_per_appointment_by_time_and_type_without_patients(
    world, clinic, actor, client
):
    monday = next_workday(weekday=0)
    doctor, other = clinic.doctors
    late = book(actor, world.patient_a, clinic.phone, at(monday, 10), practitioner=doctor)
    book(actor, world.patient_a, clinic.consultation, at(monday, 9), practitioner=doctor)
    book(actor, world.patient_a, clinic.phone, at(monday, 9), practitioner=other)
    cancelled = book(actor, world.patient_a, clinic.phone, at(monday, 11), practitioner=doctor)
    appointment_cancel(actor=actor, appointment=cancelled, reason="Aflyst")
    logged = AccessLogEntry.objects.count()

    body = client.get("/calendar/week/", {"date": monday.isoformat()}).content.decode()

    table = body[body.index('class="wk-table"') :]
    row = table[table.index(f">{doctor.name}</a>") :]
    monday_cell = row[: row.index("</td>")]
    blocks = re.findall(r'<span class="wk-appt (t-[0-9a-f]+) wk-(\w+)" title="([^"]+)">', row)
    # By time, coloured by type (its class), the type named in the title; cancelled not shown.
    assert blocks[:2] == [
        (f"t-{clinic.consultation.public_id.hex}", "booked", "09:00 Konsultation"),
        (f"t-{clinic.phone.public_id.hex}", "booked", "10:00 Telefonkonsultation"),
    ]
    assert monday_cell.count('class="wk-appt ') == 2
    assert "11:00" not in monday_cell and str(late.public_id) not in body
    assert world.patient_a.name not in body
    assert AccessLogEntry.objects.count() == logged  # no patient shown, nothing to log


def _fill(clinic, patients, first: date, days: int, per_day: int, by=None) -> None:
    """Booked appointments straight into the tables (the services are tested elsewhere)."""
    appointments, holds = [], []
    for offset in range(days):
        for doctor in clinic.doctors:
            for index in range(per_day):
                start = at(first + timedelta(days=offset), 8) + timedelta(minutes=15 * index)
                appointment = Appointment(
                    organisation_id=clinic.unit.organisation_id,
                    unit=clinic.unit,
                    appointment_type=clinic.phone,
                    patient=patients[index % len(patients)],
                    start=start,
                    end=start + timedelta(minutes=10),
                    block_end=start + timedelta(minutes=10),
                    booked_via=BookedVia.STAFF,
                    booked_by=by,
                )
                appointments.append(appointment)
                holds.append((appointment, doctor))
    Appointment.objects.bulk_create(appointments)
    AppointmentResource.objects.bulk_create(
        AppointmentResource(
            organisation_id=a.organisation_id,
            appointment=a,
            resource=doctor,
            start=a.start,
            block_end=a.block_end,
            session_key=a.session_key,
        )
        for a, doctor in holds
    )


def _queries(client, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(captured)


def test_week_of_twenty_practitioners_takes_constant_queries(
    world, client, secretary, django_assert_max_num_queries
):
    big = clinic_create(world.unit_a, doctors=20, rooms=0)
    monday = next_workday(weekday=0)
    patients = [PatientFactory(unit=world.unit_a) for _ in range(5)]
    params = {"date": monday.isoformat()}
    client.get("/calendar/week/", params)  # session and caches warm
    empty = _queries(client, "/calendar/week/", params)
    _fill(big, patients, monday, days=5, per_day=12, by=secretary.user)
    assert Appointment.objects.count() == 20 * 5 * 12
    with django_assert_max_num_queries(25):
        response = client.get("/calendar/week/", params)
    assert response.status_code == 200
    assert _queries(client, "/calendar/week/", params) == empty
    # The day view of all twenty reads patients: one a column or twelve, the same queries.
    earlier = monday - timedelta(days=7)
    _fill(big, patients, earlier, days=1, per_day=1, by=secretary.user)
    assert _queries(client, "/calendar/", params) == _queries(
        client, "/calendar/", {"date": earlier.isoformat()}
    )


# Booking ---------------------------------------------------------------------------------------


def test_booking_from_a_free_time_through_the_panel(world, clinic, client, secretary, day):
    doctor = clinic.doctors[0]
    opened = client.get(
        "/calendar/book/",
        {"resource": str(doctor.public_id), "start_date": day.isoformat(), "start_time": "09:00"},
        **PANEL,
    )
    assert opened.status_code == 200
    assert 'id="book-q"' in opened.content.decode()
    state = {
        "unit": str(world.unit_a.public_id),
        "resource": str(doctor.public_id),
        "start_date": day.isoformat(),
        "start_time": "09:00",
    }
    found = client.post("/calendar/book/patients/", {"q": world.patient_a.given_name}, **PANEL)
    assert f'value="{world.patient_a.public_id}"' in found.content.decode()
    assert found.wsgi_request.get_full_path() == "/calendar/book/patients/"
    picked = client.post(
        "/calendar/book/", state | {"pick_patient": str(world.patient_a.public_id)}, **PANEL
    )
    assert world.patient_a.name in picked.content.decode()
    state["patient"] = str(world.patient_a.public_id)
    typed = client.post(
        "/calendar/book/", state | {"pick_type": str(clinic.phone.public_id)}, **PANEL
    )
    assert 'id="book-confirm"' in typed.content.decode()
    state["appointment_type"] = str(clinic.phone.public_id)
    done = client.post("/calendar/book/", state | {"action": "confirm", "note": "Svar"}, **PANEL)
    assert done.status_code == 200
    assert done["HX-Trigger"] == "calendar-changed"
    appointment = Appointment.objects.get(patient=world.patient_a)
    assert appointment.start == at(day, 9)
    assert appointment.note == "Svar"
    assert appointment.resource_holds.get().resource == doctor
    assert f'data-appointment-panel="{appointment.public_id}"' in done.content.decode()


def test_a_taken_time_is_refused_with_alternatives_to_pick(world, clinic, actor, client, day):
    doctor = clinic.doctors[0]
    book(actor, world.patient_a, clinic.phone, at(day, 9), practitioner=doctor)
    state = {
        "resource": str(doctor.public_id),
        "start_date": day.isoformat(),
        "start_time": "09:00",
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.phone.public_id),
    }
    refused = client.post("/calendar/book/", state | {"action": "confirm"}, **PANEL)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert danish(BookingError.TAKEN) in body
    assert 'name="pick_slot"' in body and "autofocus" in body
    assert Appointment.objects.count() == 1
    # The first alternative: picked, then booked.
    value = body.split('name="pick_slot" value="', 1)[1].split('"', 1)[0]
    picked = client.post("/calendar/book/", state | {"pick_slot": value}, **PANEL)
    assert picked.status_code == 200
    form = picked.content.decode()
    start_time = form.split('name="start_time" value="', 1)[1][:5]
    state |= {"start_time": start_time, "resource": value.split("|")[1]}
    booked = client.post("/calendar/book/", state | {"action": "confirm"}, **PANEL)
    assert booked.status_code == 200, booked.content.decode()[:2000]
    assert Appointment.objects.count() == 2


def test_slot_search_offers_free_times_and_same_time_next_week(world, clinic, actor, client):
    day = next_workday(also_open=(7,))
    earlier = book(
        actor, world.patient_a, clinic.phone, at(day, 10, 10), practitioner=clinic.doctors[1]
    )
    opened = client.get("/calendar/book/", {"same_as": str(earlier.public_id)})
    assert opened.status_code == 200
    body = opened.content.decode()
    assert world.patient_a.name in body
    following = at(day + timedelta(days=7), 10, 10)
    # The first free time offered is the same time a week later, with the same doctor.
    first = body.split('name="pick_slot" value="', 1)[1].split('"', 1)[0]
    assert first == f"{following.isoformat()}|{clinic.doctors[1].public_id}"
    assert "slot is-exact" in body
    # Afternoon only.
    state = {
        "unit": str(world.unit_a.public_id),
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.phone.public_id),
        "time_of_day": "afternoon",
        "from_date": day.isoformat(),
    }
    afternoon = client.post("/calendar/book/", state, **PANEL).content.decode()
    slot = afternoon.split('name="pick_slot" value="', 1)[1].split("|", 1)[0]
    assert slot.startswith(f"{day.isoformat()}T12:30")


def test_patient_page_link_prefills_the_patient(world, clinic, client, secretary):
    response = client.get("/calendar/book/", {"patient": str(world.patient_a.public_id)})
    assert response.status_code == 200
    body = response.content.decode()
    assert world.patient_a.name in body
    assert f'name="patient" value="{world.patient_a.public_id}"' in body
    assert 'id="book-q"' not in body


def test_a_group_session_is_one_block_that_takes_more_participants(
    world, clinic, actor, client, day
):
    doctor = clinic.doctors[0]
    first = book(actor, world.patient_a, clinic.group, at(day, 13), practitioner=doctor)
    grid = grid_of(client.get("/calendar/", {"date": day.isoformat()}, **GRID))
    column, classes = block(grid, first)
    assert column["data-resource"] == str(doctor.public_id)
    assert "is-group" in classes
    markup = str(grid)
    join = markup.split('class="appt-join" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert f"appointment_type={clinic.group.public_id}" in join
    opened = client.get(join, **PANEL)
    assert opened.status_code == 200
    state = {
        "resource": str(doctor.public_id),
        "start_date": day.isoformat(),
        "start_time": "13:00",
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.group.public_id),
        "action": "confirm",
    }
    other = PatientFactory(unit=world.unit_a)
    joined = client.post("/calendar/book/", state | {"patient": str(other.public_id)}, **PANEL)
    assert joined.status_code == 200
    second = Appointment.objects.get(patient=other)
    assert second.session_key == first.session_key


def test_a_patient_of_another_unit_needs_the_glass_broken_first(world, clinic, client, secretary):
    response = client.get("/calendar/book/", {"patient": str(world.patient_a2.public_id)})
    assert response.status_code == 200
    body = response.content.decode()
    assert world.patient_a2.name not in body
    assert 'role="alert"' in body
    state = {
        "patient": str(world.patient_a2.public_id),
        "appointment_type": str(clinic.phone.public_id),
        "start_date": next_workday().isoformat(),
        "start_time": "09:00",
        "action": "confirm",
    }
    refused = client.post("/calendar/book/", state, **PANEL)
    assert refused.status_code == 422
    assert not Appointment.objects.exists()


# The appointment panel -------------------------------------------------------------------------


def test_status_changes_and_undo_keep_the_history(world, clinic, actor, client, day):
    appointment = book(actor, world.patient_a, clinic.phone, at(day, 9))
    url = f"/calendar/appointments/{appointment.public_id}/"
    panel = client.get(url, **PANEL)
    assert panel.status_code == 200
    assert 'value="arrived"' in panel.content.decode()
    # The move form starts at the appointment's date, written the Danish way.
    assert f'name="date" value="{day:%d.%m.%Y}"' in panel.content.decode()
    arrived = client.post(url + "status/", {"status": "arrived"}, **PANEL)
    assert arrived.status_code == 200
    assert arrived["HX-Trigger"] == "calendar-changed"
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED
    assert appointment.arrived_at is not None
    assert 'name="status" value="booked"' in arrived.content.decode()  # the undo
    client.post(url + "status/", {"status": "booked"}, **PANEL)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    events = list(
        AppointmentEvent.objects.filter(appointment=appointment, kind="status")
        .order_by("pk")
        .values_list("from_status", "to_status")
    )
    assert events == [("booked", "arrived"), ("arrived", "booked")]
    history = client.get(url, **PANEL).content.decode()
    assert history.count("<li><time") == 3
    refused = client.post(url + "status/", {"status": "finished"}, **PANEL)
    assert refused.status_code == 422
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_cancelling_needs_a_reason(world, clinic, actor, client, day):
    appointment = book(actor, world.patient_a, clinic.phone, at(day, 9))
    url = f"/calendar/appointments/{appointment.public_id}/cancel/"
    refused = client.post(url, {"reason": "other", "reason_text": "  "}, **PANEL)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert danish(BookingError.REASON_REQUIRED) in body
    assert 'aria-invalid="true"' in body
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    done = client.post(url, {"reason": "other", "reason_text": "Patienten er syg"}, **PANEL)
    assert done.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "Patienten er syg"


def test_the_panel_says_before_and_after_whether_the_patient_is_told(
    world, clinic, actor, client, day
):
    told = reachable_by(world.patient_a, sms=True)
    untold = reachable_by(world.patient_a2)
    with_sms = book(actor, told, clinic.phone, at(day, 9))
    without = book(actor, untold, clinic.phone, at(day, 10))
    url = f"/calendar/appointments/{with_sms.public_id}/"
    body = client.get(url, **PANEL).content.decode()
    assert (
        danish(_("The patient is notified by %(channel)s (%(address)s)."))
        % {
            "channel": "SMS",
            "address": notice_route(told).address,
        }
        in body
    )
    assert re.search(r'<input type="checkbox" name="notify" id="cancel-notify"[^>]* checked', body)
    done = client.post(
        url + "cancel/", {"reason": "patient", "notify": "on", "notify_asked": "1"}, **PANEL
    )
    assert danish(_("The patient gets a notice by %(channel)s.")) % {"channel": "SMS"} in (
        done.content.decode()
    )
    with_sms.refresh_from_db()
    assert (with_sms.notifies_patient, with_sms.cancel_reason) == (
        True,
        danish(_("Cancelled by the patient")),
    )
    url = f"/calendar/appointments/{without.public_id}/"
    body = client.get(url, **PANEL).content.decode()
    reason = danish(MessageReason.NO_CHANNEL.label)
    no_notice = danish(_("No notice: %(reason)s.")) % {"reason": reason[:1].lower() + reason[1:]}
    assert no_notice.startswith("Ingen besked: intet samtykke til SMS eller e-mail")
    assert no_notice in body
    assert 'name="notify"' not in body
    done = client.post(url + "cancel/", {"reason": "clinic"}, **PANEL)
    assert no_notice in done.content.decode()


def test_the_secretary_can_choose_not_to_tell_the_patient(world, clinic, actor, client, day):
    reachable_by(world.patient_a, sms=True)
    appointment = book(actor, world.patient_a, clinic.phone, at(day, 9))
    url = f"/calendar/appointments/{appointment.public_id}/cancel/"
    done = client.post(url, {"reason": "patient", "notify_asked": "1"}, **PANEL)
    assert done.status_code == 200
    assert danish(_("The patient is not notified (your choice).")) in done.content.decode()
    appointment.refresh_from_db()
    assert (appointment.status, appointment.notifies_patient) == ("cancelled", False)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (AppointmentStatus.CANCELLED, BookingError.ALREADY_CANCELLED),
        (AppointmentStatus.IN_PROGRESS, BookingError.STARTED),
    ],
)
def test_cancelling_a_cancelled_or_started_appointment_is_refused(
    world, clinic, actor, client, day, status, message
):
    appointment = book(actor, world.patient_a, clinic.phone, at(day, 9))
    Appointment.objects.filter(pk=appointment.pk).update(status=status, cancel_reason="Før")
    events = AppointmentEvent.objects.filter(appointment=appointment).count()
    url = f"/calendar/appointments/{appointment.public_id}/cancel/"
    refused = client.post(url, {"reason": "patient"}, **PANEL)
    assert refused.status_code == 422
    assert danish(message) in refused.content.decode()
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == (status, "Før")
    assert AppointmentEvent.objects.filter(appointment=appointment).count() == events


def test_cancelling_the_rest_of_a_series(world, clinic, actor, client):
    monday = next_workday(weekday=0, also_open=(7, 14, 21))
    series = series_book(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        starts=[at(monday + timedelta(days=7 * i), 9) for i in range(4)],
    )
    occurrences = list(Appointment.objects.filter(series=series).order_by("series_index"))
    url = f"/calendar/appointments/{occurrences[1].public_id}/cancel/"
    response = client.post(url, {"reason": "patient", "scope": "following"}, **PANEL)
    assert response.status_code == 200
    statuses = list(
        Appointment.objects.filter(series=series)
        .order_by("series_index")
        .values_list("status", flat=True)
    )
    assert statuses == ["booked", "cancelled", "cancelled", "cancelled"]


def test_a_refused_move_leaves_the_appointment_and_offers_times(world, clinic, actor, client, day):
    doctor = clinic.doctors[0]
    book(actor, world.patient_a, clinic.phone, at(day, 9), practitioner=doctor)
    moving = book(actor, world.patient_a2, clinic.phone, at(day, 10), practitioner=doctor)
    url = f"/calendar/appointments/{moving.public_id}/move/"
    dropped = {"date": day.isoformat(), "time": "09:00", "column": str(doctor.public_id)}
    refused = client.post(url, dropped, **PANEL)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert danish(BookingError.TAKEN) in body
    assert 'name="time"' in body and "slot" in body
    moving.refresh_from_db()
    assert moving.start == at(day, 10)
    assert not AppointmentEvent.objects.filter(appointment=moving, kind="moved").exists()
    # Dropped in the room's column (which it does not hold): refused as well.
    room = client.post(url, dropped | {"column": str(clinic.rooms[0].public_id)}, **PANEL)
    assert room.status_code == 422
    # To another doctor at 09:00, through the keyboard form.
    other = {"date": day.isoformat(), "time": "09:00", "resource": str(clinic.doctors[1].public_id)}
    moved = client.post(url, other, **PANEL)
    assert moved.status_code == 200
    assert moved["HX-Trigger"] == "calendar-changed"
    moving.refresh_from_db()
    assert moving.start == at(day, 9)
    assert moving.resource_holds.get().resource == clinic.doctors[1]


# Permissions and tenancy -----------------------------------------------------------------------


def test_another_organisations_appointment_is_not_found(
    world, clinic, actor, actor_for, client, day
):
    clinic_b = clinic_create(world.unit_b)
    actor_b = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    foreign = book(actor_b, world.patient_b, clinic_b.phone, at(day, 9))
    url = f"/calendar/appointments/{foreign.public_id}/"
    assert client.get(url).status_code == 404
    assert client.get(url, **PANEL).status_code == 404
    assert client.post(url + "status/", {"status": "arrived"}, **PANEL).status_code == 404
    assert client.post(url + "cancel/", {"reason": "x"}, **PANEL).status_code == 404
    moved = client.post(url + "move/", {"date": day.isoformat(), "time": "11:00"}, **PANEL)
    assert moved.status_code == 404
    foreign.refresh_from_db()
    assert (foreign.status, foreign.start) == (AppointmentStatus.BOOKED, at(day, 9))
    # Nor can its unit, resources or patients be reached from the calendar.
    assert client.get("/calendar/", {"unit": str(world.unit_b.public_id)}).status_code == 404
    doctor_b = str(clinic_b.doctors[0].public_id)
    assert client.get("/calendar/book/", {"resource": doctor_b}).status_code == 404
    patient_b = str(world.patient_b.public_id)
    assert client.get("/calendar/book/", {"patient": patient_b}).status_code == 404
    opened = client.get("/calendar/", {"date": day.isoformat(), "open": str(foreign.public_id)})
    assert opened.status_code == 200
    assert world.patient_b.name not in opened.content.decode()


def test_a_community_receptionist_chooses_among_the_communitys_units(
    world, client, login_as, actor_for
):
    other_org = OrganisationFactory(slug="org-d", name="Kiro D", community=world.community)
    other_unit = UnitFactory(organisation=other_org, name="Kiropraktik")
    fysio = clinic_create(world.unit_c)
    kiro = clinic_create(other_unit)
    membership = world.community_member()
    login_as(membership)
    day = next_workday()
    page = client.get("/calendar/", {"date": day.isoformat()})
    assert page.status_code == 200
    body = page.content.decode()
    assert f'value="{other_unit.public_id}"' in body and f'value="{world.unit_c.public_id}"' in body
    chosen = grid_of(
        client.get("/calendar/", {"unit": str(other_unit.public_id), "date": day}, **GRID)
    )
    assert [c["data-resource"] for c in columns(chosen)] == [str(d.public_id) for d in kiro.doctors]
    # Booking for the community: a patient of the physiotherapists with their type.
    actor = actor_for(membership)
    appointment = book(actor, world.patient_c, fysio.phone, at(day, 9))
    assert client.get(f"/calendar/appointments/{appointment.public_id}/").status_code == 200
    assert client.get("/calendar/", {"unit": str(world.unit_a.public_id)}).status_code == 404


def test_viewing_without_booking_rights_shows_no_free_cells(world, clinic, client, login_as, day):
    login_as(world.member(Role.MANAGER))
    grid = grid_of(client.get("/calendar/", {"date": day.isoformat()}, **GRID))
    assert columns(grid)
    assert free_times(grid, clinic.doctors[0]) == []
    assert client.get("/calendar/book/").status_code == 403


def test_type_colours_stylesheet_lets_only_hex_colours_through(world, clinic, client, secretary):
    clinic.phone.colour = "red;}*"[:7]
    clinic.phone.save()
    css = client.get("/calendar/colours.css", {"unit": str(world.unit_a.public_id)})
    assert css["Content-Type"].startswith("text/css")
    text = css.content.decode()
    assert f".t-{clinic.consultation.public_id.hex}{{--tc:#4a90d9}}" in text
    assert clinic.phone.public_id.hex not in text
    assert "red" not in text


def test_the_booking_panel_says_whether_a_confirmation_will_be_sent(world, clinic, actor, client):
    patient = world.patient_a
    patient.phone, patient.consent_sms, patient.consent_email = "22334455", False, False
    patient.save()
    state = {"unit": str(world.unit_a.public_id), "patient": str(patient.public_id)}
    silent = client.post("/calendar/book/", state, **PANEL).content.decode()
    assert 'class="book-notice warn"' in silent
    assert "Der sendes ingen bekræftelse" in silent

    patient.consent_sms = True
    patient.save()
    told = client.post("/calendar/book/", state, **PANEL).content.decode()
    assert 'class="book-notice ok"' in told
    assert "En bekræftelse sendes på SMS til +4522334455." in told
