"""Series on the calendar screens: the booking panel's Repeat step (check shows the plan with
each conflict and its alternative, book takes the choices, bad settings are refused at their
field with nothing written), and the appointment panel's "3 of 10" with cancel and move for
this one, this and the following, or all."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import translation

from klinik.core.choices import Role
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.errors import SeriesError
from klinik.scheduling.models import Appointment, AppointmentSeries
from klinik.scheduling.series import SeriesRule, series_create
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

PANEL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "cal-panel"}


@pytest.fixture
def secretary(world, login_as):
    membership = world.member(Role.SECRETARY)
    login_as(membership)
    return membership


@pytest.fixture
def actor(secretary, actor_for):
    return actor_for(secretary)


@pytest.fixture
def monday():
    return next_workday(weekday=0, also_open=(7, 14, 21))


def danish(message: object) -> str:
    with translation.override("da"):
        return str(message)


def _state(world, clinic, monday) -> dict[str, str]:
    return {
        "unit": str(world.unit_a.public_id),
        "resource": str(clinic.doctors[0].public_id),
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.phone.public_id),
        "start_date": monday.isoformat(),
        "start_time": "09:00",
        "every_weeks": "1",
        "count": "4",
    }


def test_check_lists_the_conflict_with_its_alternative_then_books_the_choice(
    world, clinic, actor, client, monday
):
    blocker = appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=clinic.phone,
        start=at(monday + timedelta(days=7), 9),
        practitioner=clinic.doctors[0],
    )
    state = _state(world, clinic, monday)
    checked = client.post("/calendar/book/", state | {"action": "series_check"}, **PANEL)
    assert checked.status_code == 200
    body = checked.content.decode()
    assert body.count("data-occurrence=") == 4
    assert 'class="is-conflict"' in body
    alternative = re.search(r'name="occurrence_1" value="([^"]+)"', body)
    assert alternative is not None
    assert 'name="occurrence_1" value="skip"' in body
    assert 'id="series-book"' in body
    assert Appointment.objects.count() == 1, "a check books nothing"
    booked = client.post(
        "/calendar/book/",
        state | {"action": "series_book", "occurrence_1": alternative.group(1)},
        **PANEL,
    )
    assert booked.status_code == 200, booked.content.decode()[:3000]
    assert booked["HX-Trigger"] == "calendar-changed"
    series = AppointmentSeries.objects.get()
    starts = list(
        Appointment.objects.filter(series=series)
        .order_by("series_index")
        .values_list("start", flat=True)
    )
    chosen = datetime.fromisoformat(alternative.group(1).split("|")[0])
    assert len(starts) == 4
    assert starts[1] == chosen != blocker.start
    assert 'id="appt-series"' in booked.content.decode()


def test_skipping_the_conflict_books_the_others(world, clinic, actor, client, monday):
    appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=clinic.phone,
        start=at(monday + timedelta(days=14), 9),
        practitioner=clinic.doctors[0],
    )
    state = _state(world, clinic, monday) | {"occurrence_2": "skip"}
    booked = client.post("/calendar/book/", state | {"action": "series_book"}, **PANEL)
    assert booked.status_code == 200
    assert AppointmentSeries.objects.get().count == 3


def test_a_conflict_without_a_choice_is_shown_again_and_nothing_booked(
    world, clinic, actor, client, monday
):
    appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=clinic.phone,
        start=at(monday + timedelta(days=14), 9),
        practitioner=clinic.doctors[0],
    )
    state = _state(world, clinic, monday)
    refused = client.post("/calendar/book/", state | {"action": "series_book"}, **PANEL)
    assert refused.status_code == 422
    assert 'name="occurrence_2"' in refused.content.decode()
    assert not AppointmentSeries.objects.exists()


@pytest.mark.parametrize("count", ["0", "500"])
def test_0_or_500_times_are_refused_at_the_field(world, clinic, client, secretary, monday, count):
    state = _state(world, clinic, monday) | {"count": count}
    refused = client.post("/calendar/book/", state | {"action": "series_check"}, **PANEL)
    assert refused.status_code == 422
    body = refused.content.decode()
    message = danish(SeriesError.COUNT) % {"min": 1, "max": 104}
    assert message in body
    assert 'id="book-count"' in body and 'aria-invalid="true"' in body
    assert not AppointmentSeries.objects.exists()
    assert not Appointment.objects.exists()


def test_another_organisations_type_in_the_panel_is_404(world, client, secretary, monday):
    clinic_create(world.unit_a)
    other = clinic_create(world.unit_b)
    state = _state(world, other, monday) | {"unit": str(world.unit_a.public_id)}
    state["resource"] = str(other.doctors[0].public_id)
    response = client.post("/calendar/book/", state | {"action": "series_book"}, **PANEL)
    assert response.status_code == 404
    assert not AppointmentSeries.objects.exists()


def _series(actor, world, clinic, monday, count=4):
    booked = series_create(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        rule=SeriesRule(first_start=at(monday, 9), count=count),
        practitioner=clinic.doctors[0],
    )
    return list(Appointment.objects.filter(series=booked.series).order_by("series_index"))


def test_the_appointment_panel_shows_3_of_4_and_the_scopes(world, clinic, actor, client, monday):
    occurrences = _series(actor, world, clinic, monday)
    shown = client.get(f"/calendar/appointments/{occurrences[2].public_id}/", **PANEL)
    body = shown.content.decode()
    # "3 af 4" once the Danish catalogue has the text; "3 of 4" before.
    assert re.search(r'id="appt-series">3 (af|of) 4<', body)
    for prefix in ("move", "cancel"):
        for scope in ("one", "following", "all"):
            assert f'id="{prefix}-scope-{scope}"' in body


def test_cancel_all_from_the_panel(world, clinic, actor, client, monday):
    occurrences = _series(actor, world, clinic, monday)
    url = f"/calendar/appointments/{occurrences[1].public_id}/cancel/"
    done = client.post(url, {"reason": "patient", "scope": "all"}, **PANEL)
    assert done.status_code == 200
    statuses = [a.status for a in Appointment.objects.order_by("series_index")]
    assert statuses == ["cancelled"] * 4


def test_move_the_following_from_the_panel_or_show_the_conflicts(
    world, clinic, actor, client, monday
):
    occurrences = _series(actor, world, clinic, monday)
    for doctor in clinic.doctors:
        appointment_book(
            actor=actor,
            patient=world.patient_a2,
            appointment_type=clinic.phone,
            start=at(monday + timedelta(days=21), 10),
            practitioner=doctor,
        )
    url = f"/calendar/appointments/{occurrences[1].public_id}/move/"
    data = {"date": (monday + timedelta(days=7)).isoformat(), "time": "10:00"}
    refused = client.post(url, data | {"scope": "following"}, **PANEL)
    assert refused.status_code == 422
    assert 'id="series-conflicts"' in refused.content.decode()
    assert 'data-occurrence="3"' in refused.content.decode()
    assert [
        a.start
        for a in Appointment.objects.filter(series=occurrences[0].series).order_by("series_index")
    ] == [o.start for o in occurrences]
    moved = client.post(
        url,
        {"date": (monday + timedelta(days=7)).isoformat(), "time": "11:00", "scope": "following"},
        **PANEL,
    )
    assert moved.status_code == 200, moved.content.decode()[:2000]
    starts = [
        a.start
        for a in Appointment.objects.filter(series=occurrences[0].series).order_by("series_index")
    ]
    assert starts == [at(monday, 9)] + [at(monday + timedelta(days=d), 11) for d in (7, 14, 21)]
