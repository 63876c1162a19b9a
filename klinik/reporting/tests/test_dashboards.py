"""The quality dashboard (issue 18 item 7): each panel's figures against a small known data
set for November 2026 in unit A (and rows beside it that must not count: the next month,
another unit, another organisation), the Excel export with one sheet per panel, the periods,
the number of queries, and 404 across organisations with nothing of A shown to B."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.pathways.choices import DeadlineState
from klinik.pathways.models import Deadline, DeadlineRule, Referral
from klinik.records.choices import DictationStatus, EntryType
from klinik.records.models import Dictation, JournalEntry, JournalSignature
from klinik.reporting.dashboards.charts import BAR_AREA, CHARACTER_WIDTH, chart_layout
from klinik.reporting.dashboards.periods import period_of, period_parse
from klinik.reporting.dashboards.selectors import DASH, Bar, Panel, dashboard_build
from klinik.reporting.drg.services import drg_import
from klinik.reporting.lpr3_report.models import Lpr3Finding
from klinik.reporting.tests.drg_data import CPH, contact_make, csv_file
from klinik.scheduling.choices import AppointmentStatus, BookedVia
from klinik.scheduling.models import Appointment, AppointmentResource
from klinik.scheduling.tests.factories import clinic_create

NOW = datetime(2026, 12, 10, 10, 0, tzinfo=CPH)
NOVEMBER = "2026-11"


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    year = 2026 if month >= 6 else 2027
    return datetime(year, month, day, hour, minute, tzinfo=CPH)


def _rule(code: str, title: str, *, is_right: bool = True) -> DeadlineRule:
    return DeadlineRule.objects.create(
        code=code,
        title=title,
        length=30,
        day_unit="calendar",
        valid_from=date(2013, 9, 1),
        is_right=is_right,
        source_text="test",
    )


def _deadline(unit, patient, rule, due: date, state: str, met_at=None, *, is_paused=False):
    referral = Referral.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        patient=patient,
        received_at=datetime.combine(due - timedelta(days=30), time(9), tzinfo=CPH),
        referrer_name="Lægehuset",
        reason="Test",
        priority="planlagt",
    )
    Deadline.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        referral=referral,
        rule=rule,
        start=due - timedelta(days=30),
        due=due,
        state=state,
        met_at=met_at,
        is_paused=is_paused,
    )


def _appointment(clinic, patient, start: datetime, status: str, minutes: int = 30) -> None:
    unit = clinic.unit
    end = start + timedelta(minutes=minutes)
    appointment = Appointment.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        appointment_type=clinic.consultation,
        patient=patient,
        start=start,
        end=end,
        block_end=end,
        status=status,
        booked_via=BookedVia.STAFF,
    )
    AppointmentResource.objects.create(
        organisation_id=unit.organisation_id,
        appointment=appointment,
        resource=clinic.doctors[0],
        start=start,
        block_end=end,
        session_key=appointment.session_key,
        holds_time=status not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW),
    )


def _entry(unit, patient, author, recorded_at, *, needs_signature=True, supersedes=None):
    return JournalEntry.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        patient=patient,
        entry_type=EntryType.NOTE,
        text="Notat",
        author=author,
        recorded_at=recorded_at,
        occurred_at=recorded_at,
        needs_signature=needs_signature,
        supersedes=supersedes,
        version=2 if supersedes else 1,
        thread=supersedes.thread if supersedes else uuid.uuid4(),
        correction_reason="Rettet" if supersedes else "",
    )


def _sign(entry, user, at):
    JournalSignature.objects.create(
        organisation_id=entry.organisation_id, entry=entry, signed_by=user, signed_at=at
    )


def _dictation(unit, patient, author, created, completed, deadline):
    entry = _entry(unit, patient, author, completed or created, needs_signature=False)
    Dictation.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        patient=patient,
        author=author,
        deadline=deadline,
        status=DictationStatus.DONE if completed else DictationStatus.WAITING,
        entry=entry if completed else None,
        completed_at=completed,
        created_at=created,
    )


@pytest.fixture
def november(world, clock):
    """Unit A's November 2026 (and rows that must not count); the clock on 10 December."""
    clock.set(NOW)
    a, a2, b = world.unit_a, world.unit_a2, world.unit_b
    pa, pa2, pb = world.patient_a, world.patient_a2, world.patient_b
    secretary = world.member(Role.SECRETARY)
    user = secretary.user
    right_a, right_b = _rule("test-ret-a", "Ret A"), _rule("test-ret-b", "Ret B")
    not_right = _rule("test-ikke-ret", "Besked", is_right=False)
    met, open_ = DeadlineState.MET, DeadlineState.OPEN
    _deadline(a, pa, right_a, date(2026, 11, 10), met, local(11, 9))  # kept
    _deadline(a, pa, right_a, date(2026, 11, 12), met, local(11, 13))  # met late
    _deadline(a, pa, right_a, date(2026, 11, 15), open_)  # breached
    _deadline(a, pa, right_a, date(2026, 11, 16), open_, is_paused=True)  # paused: left out
    _deadline(a, pa, right_a, date(2026, 10, 30), met, local(10, 29))  # October
    _deadline(a, pa, right_b, date(2026, 11, 20), met, local(11, 20, 23, 30))  # that evening
    _deadline(a, pa, right_b, date(2026, 11, 21), DeadlineState.CANCELLED)
    _deadline(a, pa, not_right, date(2026, 11, 10), open_)
    _deadline(a2, pa2, right_a, date(2026, 11, 10), open_)
    _deadline(b, pb, right_a, date(2026, 11, 10), open_)

    clinic = clinic_create(a, doctors=1, rooms=0)
    for day in (2, 3, 4):
        _appointment(clinic, pa, local(11, day, 10), AppointmentStatus.FINISHED)
    _appointment(clinic, pa, local(11, 5, 10), AppointmentStatus.ARRIVED)
    _appointment(clinic, pa, local(11, 6, 10), AppointmentStatus.NO_SHOW)
    _appointment(clinic, pa, local(11, 9, 10), AppointmentStatus.NO_SHOW)
    _appointment(clinic, pa, local(11, 10, 10), AppointmentStatus.CANCELLED)
    _appointment(clinic, pa, local(12, 1, 0, 30), AppointmentStatus.NO_SHOW)  # December
    other = clinic_create(a2, doctors=1, rooms=0)
    _appointment(other, pa2, local(11, 2, 10), AppointmentStatus.NO_SHOW)

    _dictation(a, pa, user, local(11, 2, 9), local(11, 2, 15), local(11, 3, 9))  # 6 h, in time
    _dictation(a, pa, user, local(11, 5, 9), local(11, 6, 15), local(11, 6, 9))  # 30 h, late
    _dictation(a, pa, user, local(11, 30, 20), local(12, 1, 8), local(12, 2, 9))  # December
    _dictation(a, pa, user, local(11, 30, 9), None, local(12, 2, 9))  # not transcribed
    _dictation(a2, pa2, user, local(11, 2, 9), local(11, 2, 10), local(11, 3, 9))

    _entry(a, pa, user, local(11, 30, 12))  # 0 days at the month's end
    _entry(a, pa, user, local(11, 25, 12))  # 5 days
    _entry(a, pa, user, local(11, 10, 12))  # 20 days
    _entry(a, pa, user, local(10, 1, 12))  # 61 days
    _sign(_entry(a, pa, user, local(11, 20, 12)), user, local(11, 21, 9))  # signed in time
    _sign(_entry(a, pa, user, local(11, 20, 12)), user, local(12, 5, 9))  # signed later: 10 d
    corrected = _entry(a, pa, user, local(11, 15, 12))
    _entry(a, pa, user, local(11, 16, 12), supersedes=corrected)  # the new version: 14 days
    _entry(a, pa, user, local(12, 2, 12))  # after the month
    _entry(a, pa, user, local(11, 20, 12), needs_signature=False)
    _entry(a2, pa2, user, local(11, 20, 12))

    c1 = contact_make(a, pa, local(11, 3, 9))
    c2 = contact_make(a, pa, local(11, 4, 9))
    c3 = contact_make(a2, pa2, local(11, 4, 9))
    actor = actor_from_membership(secretary)
    drg_import(
        actor=actor,
        file_name="nov.csv",
        data=csv_file(
            f"2026-11;kontakt;{c1.public_id};;PG12A;1000",
            f"2026-11;kontakt;{c2.public_id};04MA98;;2.500,50",
            f"2026-11;kontakt;{c3.public_id};;PG12A;700",
        ),
    )
    # LPR3 findings: open at November's end, fixed in it, fixed after it, another unit's.
    _finding(a, pa, "05.15", local(11, 3, 2))
    _finding(a, pa, "05.15", local(10, 20, 2), fixed_at=local(11, 10, 2))
    _finding(a, pa, "02.02", local(11, 5, 2), fixed_at=local(12, 2, 2))
    _finding(a, pa, "02.02", local(12, 3, 2))  # found after November
    _finding(a2, pa2, "05.15", local(11, 3, 2))
    return {"secretary": secretary, "actor": actor}


def _finding(unit, patient, rule: str, first_seen: datetime, *, fixed_at=None) -> None:
    Lpr3Finding.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        patient=patient,
        rule=rule,
        severity="ERROR",
        message="-",
        path=f"forloebselementer[0].{uuid.uuid4()}",
        first_seen=first_seen,
        fixed_at=fixed_at,
    )


def _panels(world, november, key=NOVEMBER):
    period = period_parse(key, NOW.date())
    dashboard = dashboard_build(actor=november["actor"], unit=world.unit_a, period=period)
    return {p.key: p for p in dashboard.panels}


def test_each_panel_holds_the_known_figures(world, november, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        panels = _panels(world, november)
    assert panels["compliance"].rows == [["Ret A", 1, 3, 33], ["Ret B", 1, 1, 100]]
    assert panels["no_show"].rows == [["nov 2026", 2, 4, 33]]
    assert panels["dictation"].rows == [["nov 2026", 2, 1, 18.0]]
    bands = [f"0{DASH}2", f"3{DASH}7", f"8{DASH}30", "over 30"]
    assert panels["unsigned"].rows == [[b, n] for b, n in zip(bands, [1, 1, 3, 1], strict=True)]
    # One doctor, 7.5 hours on each of November's 21 working days; 4 appointments of 30 min.
    assert panels["capacity"].rows == [["nov 2026", 157.5, 2.0, 155.5, 1]]
    assert panels["drg"].rows == [["nov 2026", 2, Decimal("3500.50")]]
    assert panels["reporting_errors"].rows == [["02.02", 1, 0], ["05.15", 1, 1]]


def test_a_year_costs_the_statements_of_a_month(world, november, django_assert_max_num_queries):
    # Each month is a part of one UNION ALL statement, not a statement of its own.
    with django_assert_max_num_queries(12):
        panels = _panels(world, november, "2026")
    assert len(panels["no_show"].rows) == 12
    assert panels["no_show"].rows[10] == ["nov 2026", 2, 4, 33]
    assert panels["dictation"].rows[10] == ["nov 2026", 2, 1, 18.0]
    assert panels["capacity"].rows[10] == ["nov 2026", 157.5, 2.0, 155.5, 1]


def test_a_quarter_has_a_row_per_month(world, november):
    panels = _panels(world, november, "2026-K4")
    assert [r[0] for r in panels["no_show"].rows] == ["okt 2026", "nov 2026", "dec 2026"]
    assert panels["no_show"].rows[2][1:3] == [1, 0]  # the no-show just after midnight
    assert panels["dictation"].rows[2][1] == 1
    assert panels["compliance"].rows[0] == ["Ret A", 2, 4, 50]  # October's kept one too


def test_bars_are_labelled_and_carry_their_numbers(world, november):
    panels = _panels(world, november)
    assert [b.text for b in panels["compliance"].bars] == ["33 % (1/3)", "100 % (1/1)"]
    capacity = panels["capacity"].bars
    assert [(b.series, b.fill) for b in capacity] == [("Booket", "solid"), ("Ledig", "hatched")]
    assert panels["drg"].bars[0].text == "3.500 kr. (2)"


def test_periods_parse_and_shift():
    today = date(2026, 12, 10)
    assert period_parse("2026-11", today).last == date(2026, 11, 30)
    assert period_parse("2026-k4", today).first == date(2026, 10, 1)
    assert period_parse("2025", today).last == date(2025, 12, 31)
    assert period_parse("2026-13", today) is None
    assert period_parse("1999", today) is None
    assert period_of("month", date(2026, 1, 15)).shifted(-1).key == "2025-12"
    assert period_of("quarter", date(2026, 1, 15)).shifted(-1).key == "2025-K4"


def test_the_screen_draws_each_chart_with_title_and_description(world, november, login_as):
    client = login_as(november["secretary"])
    response = client.get(f"/reports/quality/{world.unit_a.public_id}/?period={NOVEMBER}")
    assert response.status_code == 200
    body = response.content.decode()
    keys = ("compliance", "no_show", "dictation", "unsigned", "capacity", "reporting_errors", "drg")
    for key in keys:
        assert f'<svg id="chart-{key}" role="img"' in body
        assert f'<title id="chart-{key}-title">' in body
    assert "33 % (1/3)" in body
    assert "Overholdelse af ventetider pr. patientrettighed" in body
    assert 'fill="url(#hatch-capacity)"' in body


def test_the_home_goes_to_the_actors_unit_this_month(world, november, login_as):
    client = login_as(november["secretary"])
    response = client.get("/reports/quality/")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/quality/{world.unit_a.public_id}/?period=2026-12"
    chosen = client.get("/reports/quality/", {"unit": world.unit_a2.public_id, "period": "2026"})
    assert chosen["Location"] == f"/reports/quality/{world.unit_a2.public_id}/?period=2026"


def test_a_bad_period_is_named_at_the_field(world, november, login_as):
    client = login_as(november["secretary"])
    response = client.get(f"/reports/quality/{world.unit_a.public_id}/?period=2026-13")
    assert response.status_code == 422
    assert "Vælg en måned, et kvartal eller et år." in response.content.decode()
    export = client.get(f"/reports/quality/{world.unit_a.public_id}/export.xlsx?period=x")
    assert export.status_code == 404


def test_the_export_has_a_sheet_per_panel_with_the_figures(world, november, login_as):
    client = login_as(november["secretary"])
    response = client.get(
        f"/reports/quality/{world.unit_a.public_id}/export.xlsx?period={NOVEMBER}"
    )
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == [
        "Overholdelse af ventetider pr.",
        "Udeblivelser",
        "Ekspeditionstid for diktater",
        "Alder på ikke-godkendte notater",
        "Kapacitet brugt og ledig",
        "Indberetningsfejl åbne og rette",
        "DRG-produktion",
    ]
    compliance = [list(r) for r in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert compliance == [
        ["Patientrettighed", "Overholdt", "Udløbet", "Andel (%)"],
        ["Ret A", 1, 3, 33],
        ["Ret B", 1, 1, 100],
    ]
    drg = [list(r) for r in book["DRG-produktion"].iter_rows(min_row=4, values_only=True)]
    assert drg == [["nov 2026", 2, 3500.5]]
    entry = AccessLogEntry.objects.filter(object_type="quality_dashboard").get()
    assert entry.action == "export"


def test_another_organisations_unit_is_404_and_shows_nothing_of_a(world, november, login_as):
    client = login_as(november["secretary"])
    assert client.get(f"/reports/quality/{world.unit_b.public_id}/").status_code == 404
    url = f"/reports/quality/{world.unit_b.public_id}/export.xlsx?period={NOVEMBER}"
    assert client.get(url).status_code == 404
    client.logout()
    client_b = login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    assert client_b.get(f"/reports/quality/{world.unit_a.public_id}/").status_code == 404
    body = client_b.get(f"/reports/quality/{world.unit_b.public_id}/?period={NOVEMBER}")
    text = body.content.decode()
    assert "0 % (0/1)" in text  # B's own breached deadline
    assert "33 % (1/3)" not in text
    assert "3.500 kr." not in text
    assert world.unit_a.name not in text


def test_the_dashboard_needs_the_permission(world, login_as):
    client = login_as(world.member(Role.NURSE))
    assert client.get("/reports/quality/").status_code == 403


def test_chart_layout_scales_bars_and_fits_long_labels():
    panel = Panel("x", "X", "", scale_max=100)
    panel.bars = [
        Bar("Kort", 50, "50 %"),
        Bar(
            "Hjerte, venstre hovedstammestenose: behandling startet (fra henvisning)", 100, "100 %"
        ),
        Bar("Kort", 0, "0 %"),
    ]
    chart = chart_layout(panel)
    assert [b.width for b in chart.bars] == [BAR_AREA // 2, BAR_AREA, 0]
    assert chart.bars[1].label.endswith("\u2026")
    assert len(chart.bars[1].label) * CHARACTER_WIDTH <= chart.label_width
    assert chart.bars[1].full_label.endswith("(fra henvisning)")
    assert chart.bars[2].label == "Kort"  # not the same label as the bar before
    pair = Panel("y", "Y", "")
    pair.bars = [Bar("nov", 2, "2 t", "solid", "Booket"), Bar("nov", 6, "6 t", "hatched", "Ledig")]
    placed = chart_layout(pair).bars
    assert [p.label for p in placed] == ["nov", ""]
    assert [p.is_hatched for p in placed] == [False, True]
    assert placed[0].text == "Booket: 2 t"
    assert placed[1].width == BAR_AREA  # the largest bar fills the area without a scale


def test_a_group_session_holds_the_practitioner_once(world, november):
    clinic = clinic_create(world.unit_a2, doctors=1, rooms=0)
    session = uuid.uuid4()
    start = local(11, 3, 10)
    for patient in (world.patient_a2, world.patient_a, world.patient_b):
        end = start + timedelta(minutes=60)
        appointment = Appointment.objects.create(
            organisation_id=world.org_a.pk,
            unit=world.unit_a2,
            appointment_type=clinic.group,
            patient=patient,
            start=start,
            end=end,
            block_end=end,
            status=AppointmentStatus.FINISHED,
            booked_via=BookedVia.STAFF,
            session_key=session,
        )
        AppointmentResource.objects.create(
            organisation_id=world.org_a.pk,
            appointment=appointment,
            resource=clinic.doctors[0],
            start=start,
            block_end=end,
            session_key=session,
        )
    period = period_parse(NOVEMBER, NOW.date())
    panel = dashboard_build(actor=november["actor"], unit=world.unit_a2, period=period)
    capacity = next(p for p in panel.panels if p.key == "capacity")
    assert capacity.rows[0][2] == 1.0  # one hour, not three
