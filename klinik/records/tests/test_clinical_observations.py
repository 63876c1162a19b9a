"""Measurements (plausibility, BMI, entered in error, chart) and vaccinations (required
fields, entered in error, the DDV export)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.patients.tests.factories import PatientFactory
from klinik.records.choices import MeasurementKind, VaccinationSite
from klinik.records.clinical import chart, ddv, plausibility, selectors, services
from klinik.records.errors import RecordError
from klinik.records.models import Measurement, Vaccination

KIND = MeasurementKind


def _measure(rw, kind, value, value2=None, **kwargs):
    return services.measurement_record(
        actor=kwargs.pop("actor", rw.nurse_actor),
        patient=kwargs.pop("patient", rw.patient),
        kind=kind,
        value=value,
        value2=value2,
        **kwargs,
    )


# Plausibility ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "value2", "field"),
    [
        (KIND.WEIGHT, "900", None, "value"),
        (KIND.WEIGHT, "0.1", None, "value"),
        (KIND.WEIGHT, "-3", None, "value"),
        (KIND.HEIGHT, "1.80", None, "value"),  # metres typed for centimetres
        (KIND.HEIGHT, "300", None, "value"),
        (KIND.BLOOD_PRESSURE, "80", "120", "value2"),  # diastolic above systolic
        (KIND.BLOOD_PRESSURE, "120", "120", "value2"),
        (KIND.BLOOD_PRESSURE, "120", None, "value2"),
        (KIND.BLOOD_PRESSURE, "400", "80", "value"),
        (KIND.BLOOD_PRESSURE, "120", "10", "value2"),
        (KIND.PULSE, "300", None, "value"),
        (KIND.PULSE, "10", None, "value"),
        (KIND.TEMPERATURE, "375", None, "value"),
        (KIND.TEMPERATURE, "29.9", None, "value"),
        (KIND.WAIST, "20", None, "value"),
        (KIND.WEIGHT, "abc", None, "value"),
        (KIND.WEIGHT, "", None, "value"),
        (KIND.WEIGHT, "NaN", None, "value"),
        (KIND.WEIGHT, "70", "60", "value2"),
        ("bmi", "22", None, "kind"),
    ],
)
def test_implausible_values_are_refused_and_nothing_is_saved(
    record_world, kind, value, value2, field
):
    logged = AccessLogEntry.objects.count()
    with pytest.raises(RecordError) as refused:
        _measure(record_world, kind, value, value2)
    assert refused.value.field == field
    assert not Measurement.objects.exists()
    assert AccessLogEntry.objects.count() == logged


def test_weight_of_900_kg_names_the_range(record_world):
    with pytest.raises(RecordError) as refused:
        _measure(record_world, KIND.WEIGHT, 900)
    assert refused.value.code == "implausible"
    assert "350" in refused.value.message
    assert "kg" in refused.value.message


def test_diastolic_above_systolic_is_refused_with_its_message(record_world):
    with pytest.raises(RecordError) as refused:
        _measure(record_world, KIND.BLOOD_PRESSURE, 80, 120)
    assert refused.value.message == str(plausibility.DIASTOLIC_NOT_BELOW)
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "value2"),
    [
        (KIND.WEIGHT, "0,3", None),
        (KIND.WEIGHT, "350", None),
        (KIND.WEIGHT, "72,5", None),
        (KIND.HEIGHT, "178", None),
        (KIND.BLOOD_PRESSURE, "300", "200"),
        (KIND.BLOOD_PRESSURE, "120", "80"),
        (KIND.PULSE, "20", None),
        (KIND.TEMPERATURE, "37.8", None),
        (KIND.TEMPERATURE, "44", None),
        (KIND.WAIST, "92", None),
    ],
)
def test_plausible_values_are_saved(record_world, kind, value, value2):
    row = _measure(record_world, kind, value, value2)
    assert row.value == Decimal(value.replace(",", "."))
    assert row.recorded_by == record_world.nurse.user


def test_values_keep_two_decimals(record_world):
    assert _measure(record_world, KIND.WEIGHT, "70.126").value == Decimal("70.13")


def test_measurement_in_the_future_is_refused(record_world):
    with pytest.raises(RecordError) as refused:
        _measure(record_world, KIND.PULSE, 70, measured_at=timezone.now() + timedelta(hours=1))
    assert refused.value.field == "measured_at"


def test_measuring_needs_record_write(record_world):
    reception = record_world.world.member(Role.HEALTH_SERVICE_SECRETARY)
    with pytest.raises(PermissionDenied):
        _measure(record_world, KIND.PULSE, 70, actor=record_world.actor(reception))
    assert not Measurement.objects.exists()


# BMI ---------------------------------------------------------------------------------------------


def test_bmi_from_the_latest_height_and_the_weight(record_world):
    rw = record_world
    now = timezone.now()
    _measure(rw, KIND.HEIGHT, 160, measured_at=now - timedelta(days=400))
    _measure(rw, KIND.HEIGHT, 180, measured_at=now - timedelta(days=30))
    _measure(rw, KIND.WEIGHT, 81, measured_at=now)
    rows = selectors.measurements_with_bmi(patient=rw.patient)
    weight = next(r for r in rows if r.kind == KIND.WEIGHT)
    assert weight.bmi == Decimal("25.0")  # 81 / 1.8² (the newer height)
    latest = {lat.kind: lat for lat in selectors.measurements_latest(rows=rows)}
    assert latest[KIND.WEIGHT].bmi == Decimal("25.0")
    assert "bmi" not in {f.name for f in Measurement._meta.get_fields()}  # shown, not stored


def test_no_bmi_without_a_height_in_reason(record_world):
    rw = record_world
    now = timezone.now()
    # An adult's height from eleven years ago is too old; a later height does not count.
    _measure(rw, KIND.HEIGHT, 180, measured_at=now - timedelta(days=365 * 11))
    _measure(rw, KIND.WEIGHT, 81, measured_at=now - timedelta(days=5))
    _measure(rw, KIND.HEIGHT, 170, measured_at=now)
    rows = selectors.measurements_with_bmi(patient=rw.patient)
    weight = next(r for r in rows if r.kind == KIND.WEIGHT)
    assert weight.bmi is None


def test_a_height_entered_in_error_is_not_used(record_world):
    rw = record_world
    now = timezone.now()
    good = _measure(rw, KIND.HEIGHT, 180, measured_at=now - timedelta(days=10))
    wrong = _measure(rw, KIND.HEIGHT, 100, measured_at=now - timedelta(days=1))
    services.measurement_mark_error(actor=rw.nurse_actor, measurement=wrong, reason="Tastefejl")
    _measure(rw, KIND.WEIGHT, 81, measured_at=now)
    rows = selectors.measurements_with_bmi(patient=rw.patient)
    assert next(r for r in rows if r.kind == KIND.WEIGHT).bmi == Decimal("25.0")
    assert good.error_at is None


def test_a_childs_height_must_be_recent(record_world):
    rw = record_world
    child = PatientFactory(unit=rw.unit, birth_date=timezone.localdate() - timedelta(days=365 * 8))
    now = timezone.now()
    _measure(rw, KIND.HEIGHT, 128, patient=child, measured_at=now - timedelta(days=120))
    _measure(rw, KIND.WEIGHT, 26, patient=child, measured_at=now)
    assert (
        next(r for r in selectors.measurements_with_bmi(patient=child) if r.kind == KIND.WEIGHT).bmi
        is None
    )
    _measure(rw, KIND.HEIGHT, 130, patient=child, measured_at=now - timedelta(days=20))
    weight = next(
        r for r in selectors.measurements_with_bmi(patient=child) if r.kind == KIND.WEIGHT
    )
    assert weight.bmi == Decimal("15.4")


def test_bmi_arithmetic():
    assert selectors.bmi(weight_kg=Decimal("70"), height_cm=Decimal("175")) == Decimal("22.9")


# Entered in error and the chart ------------------------------------------------------------------


def test_entered_in_error_keeps_the_row_with_who_when_and_why(record_world):
    rw = record_world
    row = _measure(rw, KIND.WEIGHT, 82)
    with pytest.raises(RecordError):
        services.measurement_mark_error(actor=rw.doctor_actor, measurement=row, reason="")
    services.measurement_mark_error(
        actor=rw.doctor_actor, measurement=row, reason="Forkert patient"
    )
    row.refresh_from_db()
    assert row.error_by == rw.doctor.user
    assert row.error_at is not None
    assert row.error_reason == "Forkert patient"
    assert Measurement.objects.filter(pk=row.pk).exists()
    with pytest.raises(RecordError):
        services.measurement_mark_error(actor=rw.doctor_actor, measurement=row, reason="igen")
    assert chart.measurement_chart(patient=rw.patient) == []


def test_chart_has_one_panel_per_kind_and_two_lines_for_blood_pressure(record_world):
    rw = record_world
    now = timezone.now()
    for days, (systolic, diastolic) in enumerate([(150, 95), (140, 90), (130, 85)]):
        _measure(
            rw,
            KIND.BLOOD_PRESSURE,
            systolic,
            diastolic,
            measured_at=now - timedelta(days=30 - days * 10),
        )
    _measure(rw, KIND.WEIGHT, 80, measured_at=now - timedelta(days=30))
    _measure(rw, KIND.WEIGHT, 78, measured_at=now)
    panels = {p.kind: p for p in chart.measurement_chart(patient=rw.patient)}
    assert set(panels) == {KIND.BLOOD_PRESSURE, KIND.WEIGHT}
    pressure = panels[KIND.BLOOD_PRESSURE]
    assert len(pressure.series) == 2
    assert [len(s.dots) for s in pressure.series] == [3, 3]
    systolic, diastolic = pressure.series
    # Higher values are drawn higher (smaller y); time runs left to right.
    assert all(s.y < d.y for s, d in zip(systolic.dots, diastolic.dots, strict=True))
    assert systolic.dots[0].x < systolic.dots[-1].x
    assert systolic.dots[0].y < systolic.dots[-1].y  # 150 drawn above 130
    weight = panels[KIND.WEIGHT]
    assert weight.series[0].dots[0].y < weight.series[0].dots[-1].y  # 80 above 78
    for dot in weight.series[0].dots:
        assert weight.plot_left <= dot.x <= weight.plot_right
        assert weight.plot_top <= dot.y <= weight.plot_bottom
    assert "kg" in weight.series[0].dots[0].title


# Vaccinations ------------------------------------------------------------------------------------


def _vaccinate(rw, **overrides):
    fields = {
        "actor": rw.nurse_actor,
        "patient": rw.patient,
        "vaccine": "Influvac Tetra",
        "atc_code": "J07BB02",
        "batch_number": "AB1234",
        "dose": "0,5 ml",
        "site": VaccinationSite.LEFT_DELTOID,
        "given_on": timezone.localdate(),
        "given_by": rw.nurse.user,
    }
    fields.update(overrides)
    return services.vaccination_record(**fields)


def test_vaccination_is_recorded_and_waits_for_the_register(record_world):
    row = _vaccinate(record_world)
    assert row.reported_at is None
    assert row.given_by == record_world.nurse.user
    assert row.recorded_by == record_world.nurse.user
    assert ddv.vaccinations_unreported_count(organisation=record_world.organisation) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"batch_number": ""}, "batch_number"),
        ({"batch_number": "   "}, "batch_number"),
        ({"vaccine": ""}, "vaccine"),
        ({"dose": ""}, "dose"),
        ({"site": "ear"}, "site"),
        ({"given_on": None}, "given_on"),
        ({"given_on": date(2999, 1, 1)}, "given_on"),
        ({"given_on": date(1900, 1, 1)}, "given_on"),
        ({"atc_code": "influenza"}, "atc_code"),
        ({"given_by": None}, "given_by"),
    ],
)
def test_bad_vaccinations_are_refused_naming_the_field(record_world, overrides, field):
    with pytest.raises(RecordError) as refused:
        _vaccinate(record_world, **overrides)
    assert refused.value.field == field
    assert not Vaccination.objects.exists()


def test_batch_number_is_required_with_its_message(record_world):
    with pytest.raises(RecordError) as refused:
        _vaccinate(record_world, batch_number="")
    assert refused.value.message == str(services.BATCH_REQUIRED)


def test_vaccinator_must_be_staff_of_the_patients_organisation(record_world):
    with pytest.raises(RecordError) as refused:
        _vaccinate(record_world, given_by=record_world.other_doctor.user)
    assert refused.value.field == "given_by"
    manager = record_world.world.member(Role.MANAGER)
    with pytest.raises(RecordError):
        _vaccinate(record_world, given_by=manager.user)
    assert record_world.nurse.user in selectors.vaccinators(
        organisation_id=record_world.organisation.pk
    )


def test_vaccination_entered_in_error_is_never_exported(record_world):
    rw = record_world
    row = _vaccinate(rw)
    services.vaccination_mark_error(
        actor=rw.nurse_actor, vaccination=row, reason="Registreret på forkert patient"
    )
    row.refresh_from_db()
    assert row.error_reason == "Registreret på forkert patient"
    manager = rw.actor(rw.world.member(Role.MANAGER))
    export = ddv.vaccinations_export_ddv(actor=manager, organisation=rw.organisation)
    assert export.rows == []
    assert export.batch is None


# The DDV export ----------------------------------------------------------------------------------


def test_export_marks_the_unreported_as_reported_and_a_second_export_is_empty(record_world):
    rw = record_world
    rw.unit.sor_code = "123456789012345"
    rw.unit.save(update_fields=["sor_code"])
    rw.organisation.cvr = "12345678"
    rw.organisation.save(update_fields=["cvr"])
    first = _vaccinate(rw)
    neighbour = PatientFactory(unit=rw.unit)
    second = _vaccinate(rw, patient=neighbour, vaccine="Boostrix", atc_code="", batch_number="X9")
    foreign_patient_row = _vaccinate(
        rw,
        actor=rw.other_doctor_actor,
        patient=rw.other_patient,
        given_by=rw.other_doctor.user,
    )
    secretary = rw.secretary_actor
    logged = AccessLogEntry.objects.filter(action="export").count()

    export = ddv.vaccinations_export_ddv(actor=secretary, organisation=rw.organisation)

    assert export.batch is not None
    assert {r["vaccination_id"] for r in export.rows} == {
        str(first.public_id),
        str(second.public_id),
    }
    row = next(r for r in export.rows if r["vaccination_id"] == str(first.public_id))
    assert row["cpr"] == rw.patient.cpr
    assert row["vaccine"] == "Influvac Tetra"
    assert row["atc_code"] == "J07BB02"
    assert row["batch_number"] == "AB1234"
    assert row["dose"] == "0,5 ml"
    assert row["given_on"] == timezone.localdate().isoformat()
    assert row["given_by"] == rw.nurse.user.get_full_name()
    assert row["given_by_authorisation_id"] is None
    assert row["cvr"] == "12345678"
    assert row["sor_code"] == "123456789012345"
    for vaccination in (first, second):
        vaccination.refresh_from_db()
        assert vaccination.reported_at == export.exported_at
        assert vaccination.report_batch == export.batch
    foreign_patient_row.refresh_from_db()
    assert foreign_patient_row.reported_at is None
    # One access-log entry per patient, naming the batch.
    entries = AccessLogEntry.objects.filter(action="export").order_by("seq")[logged:]
    assert {e.patient_id for e in entries} == {rw.patient.public_id, neighbour.public_id}
    assert {e.object_id for e in entries} == {str(export.batch)}

    again = ddv.vaccinations_export_ddv(actor=secretary, organisation=rw.organisation)
    assert again.rows == []
    assert again.batch is None


def test_export_files_json_and_csv(record_world):
    rw = record_world
    _vaccinate(rw)
    export = ddv.vaccinations_export_ddv(actor=rw.secretary_actor, organisation=rw.organisation)
    body = json.loads(export.as_json())
    assert body["format"] == "klinik-ddv-1"
    assert body["batch"] == str(export.batch)
    assert body["vaccinations"][0]["batch_number"] == "AB1234"
    rows = list(csv.DictReader(io.StringIO(export.as_csv()), delimiter=";"))
    assert rows[0]["cpr"] == rw.patient.cpr
    assert rows[0]["given_by_authorisation_id"] == ""


def test_earlier_batch_is_listed_and_can_be_downloaded_again(record_world):
    rw = record_world
    _vaccinate(rw)
    export = ddv.vaccinations_export_ddv(actor=rw.secretary_actor, organisation=rw.organisation)
    [batch] = ddv.vaccination_report_batches(actor=rw.secretary_actor, organisation=rw.organisation)
    assert batch.batch == export.batch
    assert batch.count == 1
    assert batch.exported_by == rw.secretary.user.username
    again = ddv.vaccination_report_again(
        actor=rw.secretary_actor, organisation=rw.organisation, batch=export.batch
    )
    assert again is not None
    assert again.rows == export.rows


def test_export_needs_the_export_permission_and_own_organisation(record_world):
    rw = record_world
    _vaccinate(rw)
    with pytest.raises(PermissionDenied):
        ddv.vaccinations_export_ddv(actor=rw.nurse_actor, organisation=rw.organisation)
    with pytest.raises(RecordError):
        ddv.vaccinations_export_ddv(actor=rw.other_doctor_actor, organisation=rw.organisation)
    assert not Vaccination.objects.filter(reported_at__isnull=False).exists()
