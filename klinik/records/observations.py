"""Measurements and vaccinations: services, selectors, plausibility, BMI, the chart and the
export to the Danish vaccination register (DDV).

Plausible ranges (checked in `measurement_record`; a value outside is refused with the range
in the message, nothing saved). They are wide on purpose — they catch typing errors (900 kg,
a blood pressure typed the wrong way round, 375 °C), not illness:

    height          20-250 cm     a very premature newborn to the tallest adults
    weight          0.3-350 kg    a very premature newborn to severe obesity
    blood pressure  systolic 50-300, diastolic 20-200 mmHg, diastolic below systolic
    pulse           20-250 /min
    temperature     30-44 °C      deep hypothermia to the highest survivable fever
    waist           30-250 cm

Values keep two decimals (rounded). BMI is computed, never stored: a weight's BMI uses the
newest height measured before it (or within a day after it, same visit); an adult's height
counts when measured as an adult within ten years, a child's within 90 days (children grow).

A wrong measurement or vaccination is marked entered in error (who, when, why), never deleted.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.audit.services import access_log_record
from klinik.core.models import Membership, Organisation, User
from klinik.core.policy import ROLE_PERMISSIONS, Actor, Perm, require
from klinik.patients.models import Patient
from klinik.records.access import record_write_begin
from klinik.records.choices import MeasurementKind, VaccinationSite
from klinik.records.errors import RecordError
from klinik.records.models import Contact, Measurement, Vaccination

# Measurements ------------------------------------------------------------------------------------

_Marked = TypeVar("_Marked", "Measurement", "Vaccination")


@dataclass(frozen=True)
class Range:
    low: Decimal
    high: Decimal
    unit: str


RANGES: dict[str, Range] = {
    MeasurementKind.HEIGHT: Range(Decimal(20), Decimal(250), "cm"),
    MeasurementKind.WEIGHT: Range(Decimal("0.3"), Decimal(350), "kg"),
    MeasurementKind.BLOOD_PRESSURE: Range(Decimal(50), Decimal(300), "mmHg"),  # systolic
    MeasurementKind.PULSE: Range(Decimal(20), Decimal(250), "/min"),
    MeasurementKind.TEMPERATURE: Range(Decimal(30), Decimal(44), "°C"),
    MeasurementKind.WAIST: Range(Decimal(30), Decimal(250), "cm"),
}
DIASTOLIC = Range(Decimal(20), Decimal(200), "mmHg")
UNITS: dict[str, str] = {kind: r.unit for kind, r in RANGES.items()}

KIND_UNKNOWN = gettext_lazy("Unknown kind of measurement.")
VALUE_REQUIRED = gettext_lazy("Enter a number.")
VALUE_NOT_A_NUMBER = gettext_lazy("Enter a number (e.g. 72,5).")
# Formatted: "Vægt skal være mellem 0,3 og 350 kg."
OUT_OF_RANGE = gettext_lazy("%(measurement)s must be between %(low)s and %(high)s %(unit)s.")
SYSTOLIC_LABEL = gettext_lazy("Systolic pressure")
DIASTOLIC_LABEL = gettext_lazy("Diastolic pressure")
DIASTOLIC_REQUIRED = gettext_lazy("Enter the diastolic pressure too.")
DIASTOLIC_NOT_BELOW = gettext_lazy(
    "The diastolic pressure must be lower than the systolic pressure."
)
SECOND_VALUE_ONLY_FOR_PRESSURE = gettext_lazy("Only a blood pressure has a second value.")
FUTURE_TIME = gettext_lazy("The time cannot be in the future.")
CONTACT_OTHER_PATIENT = gettext_lazy("The contact belongs to another patient.")
REASON_REQUIRED = gettext_lazy("Give the reason.")
ALREADY_IN_ERROR = gettext_lazy("Already marked as entered in error.")

FUTURE_SLACK = timedelta(minutes=5)
ADULT_AGE = 18
ADULT_HEIGHT_MAX_AGE = timedelta(days=3653)  # ten years
CHILD_HEIGHT_MAX_AGE = timedelta(days=90)
SAME_VISIT = timedelta(days=1)
_TWO_PLACES = Decimal("0.01")


def _number(raw: object, field: str) -> Decimal:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise RecordError(VALUE_REQUIRED, code="value_required", field=field)
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise RecordError(VALUE_NOT_A_NUMBER, code="value_invalid", field=field) from exc
    if not value.is_finite():
        raise RecordError(VALUE_NOT_A_NUMBER, code="value_invalid", field=field)
    return value.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def _fmt(value: Decimal) -> str:
    """A number without trailing zeros, with the language's decimal sign (72,5)."""
    text = format(value.normalize(), "f")
    return formats.number_format(Decimal(text))


def _in_range(value: Decimal, limits: Range, label: object, field: str) -> None:
    if not limits.low <= value <= limits.high:
        raise RecordError(
            OUT_OF_RANGE
            % {
                "measurement": label,
                "low": _fmt(limits.low),
                "high": _fmt(limits.high),
                "unit": limits.unit,
            },
            code="implausible",
            field=field,
        )


def measurement_check(
    *, kind: str, value: object, value2: object = None
) -> tuple[Decimal, Decimal | None]:
    """Parse and check one measurement; returns (value, value2) or raises RecordError naming
    the field (`value`, `value2`). Used by the service and by forms for early feedback."""
    if kind not in RANGES:
        raise RecordError(KIND_UNKNOWN, code="kind_unknown", field="kind")
    number = _number(value, "value")
    if kind != MeasurementKind.BLOOD_PRESSURE:
        if value2 not in (None, ""):
            raise RecordError(SECOND_VALUE_ONLY_FOR_PRESSURE, code="value2", field="value2")
        _in_range(number, RANGES[kind], MeasurementKind(kind).label, "value")
        return number, None
    _in_range(number, RANGES[kind], SYSTOLIC_LABEL, "value")
    if value2 in (None, ""):
        raise RecordError(DIASTOLIC_REQUIRED, code="value_required", field="value2")
    second = _number(value2, "value2")
    _in_range(second, DIASTOLIC, DIASTOLIC_LABEL, "value2")
    if second >= number:
        raise RecordError(DIASTOLIC_NOT_BELOW, code="implausible", field="value2")
    return number, second


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
        raise RecordError(FUTURE_TIME, code="future", field="measured_at")
    if contact is not None and contact.patient_id != patient.pk:
        raise RecordError(CONTACT_OTHER_PATIENT, code="contact_patient", field="contact")
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
        raise RecordError(REASON_REQUIRED, code="reason_required", field="reason")
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
            raise RecordError(ALREADY_IN_ERROR, code="already_in_error")
        locked.error_by = actor.user
        locked.error_at = timezone.now()
        locked.error_reason = reason
        locked.save(update_fields=["error_by", "error_at", "error_reason"])
    return locked


def patient_measurements(*, patient: Patient, include_errors: bool = True) -> QuerySet[Measurement]:
    rows = Measurement.objects.filter(
        organisation_id=patient.organisation_id, patient=patient
    ).select_related("recorded_by", "error_by")
    if not include_errors:
        rows = rows.filter(error_at__isnull=True)
    return rows.order_by("-measured_at", "-pk")


def _age_at(patient: Patient, when: datetime) -> int:
    day = timezone.localtime(when).date()
    born = patient.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def measurement_display(measurement: Measurement) -> str:
    """The value as shown: "120/80 mmHg", "72,5 kg"."""
    value = _fmt(measurement.value)
    if measurement.value2 is not None:
        value = f"{value}/{_fmt(measurement.value2)}"
    return f"{value} {UNITS.get(measurement.kind, '')}".strip()


def height_for(
    *, patient: Patient, weight: Measurement, heights: Iterable[Measurement]
) -> Measurement | None:
    """The height a weight's BMI uses (see the module docstring), or None."""
    adult = _age_at(patient, weight.measured_at) >= ADULT_AGE
    max_age = ADULT_HEIGHT_MAX_AGE if adult else CHILD_HEIGHT_MAX_AGE
    best: Measurement | None = None
    for height in heights:
        if height.error_at is not None or height.kind != MeasurementKind.HEIGHT:
            continue
        if height.measured_at > weight.measured_at + SAME_VISIT:
            continue
        if weight.measured_at - height.measured_at > max_age:
            continue
        if adult and _age_at(patient, height.measured_at) < ADULT_AGE:
            continue
        if best is None or height.measured_at > best.measured_at:
            best = height
    return best


def bmi(*, weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    metres = height_cm / 100
    return (weight_kg / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def measurements_with_bmi(*, patient: Patient, limit: int = 500) -> list[Measurement]:
    """The patient's measurements, newest first; each valid weight gets `.bmi` (or None)."""
    rows = list(patient_measurements(patient=patient)[:limit])
    heights = list(
        Measurement.objects.filter(
            organisation_id=patient.organisation_id,
            patient=patient,
            kind=MeasurementKind.HEIGHT,
            error_at__isnull=True,
        )
    )
    for row in rows:
        row.bmi = None
        row.display = measurement_display(row)
        if row.kind == MeasurementKind.WEIGHT and row.error_at is None:
            height = height_for(patient=patient, weight=row, heights=heights)
            if height is not None:
                row.bmi = bmi(weight_kg=row.value, height_cm=height.value)
    return rows


@dataclass(frozen=True)
class Latest:
    kind: str
    label: str
    measurement: Measurement
    unit: str
    bmi: Decimal | None = None


def measurements_latest(*, rows: list[Measurement]) -> list[Latest]:
    """The newest valid measurement of each kind (from `measurements_with_bmi` rows)."""
    seen: dict[str, Latest] = {}
    for row in rows:
        if row.error_at is None and row.kind not in seen:
            seen[row.kind] = Latest(
                kind=row.kind,
                label=str(MeasurementKind(row.kind).label),
                measurement=row,
                unit=UNITS[row.kind],
                bmi=getattr(row, "bmi", None),
            )
    return [seen[k] for k in MeasurementKind.values if k in seen]


# The chart: one small panel per kind on a shared time axis, drawn as inline SVG by the
# template from the coordinates computed here (no JavaScript, no inline styles).

CHART_WIDTH = 640
CHART_HEIGHT = 150
PAD_LEFT = 48
PAD_RIGHT = 12
PAD_TOP = 10
PAD_BOTTOM = 22
CHART_POINTS_PER_KIND = 300


@dataclass
class ChartDot:
    x: float
    y: float
    title: str


@dataclass
class ChartSeries:
    name: str
    css: str
    points: str
    dots: list[ChartDot] = field(default_factory=list)


@dataclass
class ChartPanel:
    kind: str
    label: str
    unit: str
    series: list[ChartSeries]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    plot_left: int = PAD_LEFT
    plot_right: int = CHART_WIDTH - PAD_RIGHT
    plot_top: int = PAD_TOP
    plot_bottom: int = CHART_HEIGHT - PAD_BOTTOM


def measurement_chart(*, patient: Patient) -> list[ChartPanel]:
    """Chart panels for the patient's valid measurements, oldest to newest, one per kind (a
    blood pressure panel has two lines). Empty when nothing is measured."""
    by_kind: dict[str, list[Measurement]] = {}
    for kind in MeasurementKind.values:
        rows = list(
            Measurement.objects.filter(
                organisation_id=patient.organisation_id,
                patient=patient,
                kind=kind,
                error_at__isnull=True,
            ).order_by("-measured_at", "-pk")[:CHART_POINTS_PER_KIND]
        )
        if rows:
            by_kind[kind] = rows[::-1]
    if not by_kind:
        return []
    times = [m.measured_at for rows in by_kind.values() for m in rows]
    start, end = min(times), max(times)
    span = (end - start).total_seconds()
    plot_w = CHART_WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = CHART_HEIGHT - PAD_TOP - PAD_BOTTOM

    def x_of(when: datetime) -> float:
        if span <= 0:
            return round(PAD_LEFT + plot_w / 2, 1)
        return round(PAD_LEFT + plot_w * (when - start).total_seconds() / span, 1)

    x_ticks = [(x_of(start), _day(start))]
    if span > 0:
        x_ticks.append((x_of(end), _day(end)))
        if span > 86400 * 2:
            middle = start + (end - start) / 2
            x_ticks.insert(1, (x_of(middle), _day(middle)))

    panels = []
    for kind, rows in by_kind.items():
        values = [m.value for m in rows] + [m.value2 for m in rows if m.value2 is not None]
        low, high = min(values), max(values)
        pad = max((high - low) * Decimal("0.1"), Decimal(1))
        low, high = low - pad, high + pad

        def y_of(value: Decimal, low: Decimal = low, high: Decimal = high) -> float:
            return round(float(PAD_TOP + plot_h * (high - value) / (high - low)), 1)

        unit = UNITS[kind]
        label = str(MeasurementKind(kind).label)
        series = [_series(label, "line-1", rows, lambda m: m.value, x_of, y_of, unit)]
        if kind == MeasurementKind.BLOOD_PRESSURE:
            series[0].name = str(SYSTOLIC_LABEL)
            series.append(
                _series(str(DIASTOLIC_LABEL), "line-2", rows, lambda m: m.value2, x_of, y_of, unit)
            )
        middle = (low + high) / 2
        y_ticks = [(y_of(v), _fmt(v.quantize(Decimal(1)))) for v in (high - pad, middle, low + pad)]
        panels.append(
            ChartPanel(
                kind=kind, label=label, unit=unit, series=series, y_ticks=y_ticks, x_ticks=x_ticks
            )
        )
    return panels


def _day(when: datetime) -> str:
    return timezone.localtime(when).strftime("%d.%m.%Y")


def _series(
    name: str,
    css: str,
    rows: list[Measurement],
    value_of: Any,
    x_of: Any,
    y_of: Any,
    unit: str,
) -> ChartSeries:
    dots = []
    for m in rows:
        value = value_of(m)
        local = timezone.localtime(m.measured_at).strftime("%d.%m.%Y %H:%M")
        dots.append(
            ChartDot(x=x_of(m.measured_at), y=y_of(value), title=f"{local}: {_fmt(value)} {unit}")
        )
    return ChartSeries(name=name, css=css, points=" ".join(f"{d.x},{d.y}" for d in dots), dots=dots)


# Vaccinations ------------------------------------------------------------------------------------

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
ATC_INVALID = gettext_lazy("Not an ATC code (e.g. J07BB02).")
EXPORT_OTHER_ORGANISATION = gettext_lazy(
    "You can only export your own organisation's vaccinations."
)

ATC_PATTERN = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
# Who can be named as the vaccinator: staff who write in the record.
VACCINATOR_ROLES = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.RECORD_WRITE in perms]


def vaccinators(*, organisation_id: int) -> list[User]:
    """Staff of the organisation who can be named as having given a vaccine."""
    return list(
        User.objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__is_active=True,
            memberships__role__in=VACCINATOR_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _text(value: str, limit: int, required: object, too_long: object, field: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise RecordError(required, code=f"{field}_required", field=field)
    if len(value) > limit:
        raise RecordError(too_long, code=f"{field}_too_long", field=field)
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
        raise RecordError(SITE_UNKNOWN, code="site_unknown", field="site")
    if given_on is None:
        raise RecordError(GIVEN_REQUIRED, code="given_on_required", field="given_on")
    if given_on > timezone.localdate():
        raise RecordError(GIVEN_FUTURE, code="future", field="given_on")
    if given_on < patient.birth_date:
        raise RecordError(GIVEN_BEFORE_BIRTH, code="before_birth", field="given_on")
    atc_code = re.sub(r"\s", "", atc_code or "").upper()
    if atc_code and not ATC_PATTERN.fullmatch(atc_code):
        raise RecordError(ATC_INVALID, code="atc_invalid", field="atc_code")
    if contact is not None and contact.patient_id != patient.pk:
        raise RecordError(CONTACT_OTHER_PATIENT, code="contact_patient", field="contact")
    if (
        given_by is None
        or not Membership.objects.filter(
            user=given_by,
            organisation_id=patient.organisation_id,
            role__in=VACCINATOR_ROLES,
            is_active=True,
        ).exists()
    ):
        raise RecordError(GIVEN_BY_NOT_STAFF, code="given_by", field="given_by")
    with transaction.atomic(durable=True):
        record_write_begin(actor=actor, patient=patient, channel=channel, object_type="vaccination")
        return Vaccination.objects.create(
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


def vaccination_mark_error(
    *, actor: Actor, vaccination: Vaccination, reason: str, channel: Channel = Channel.UI
) -> Vaccination:
    """Mark a vaccination entered in error. Not yet reported: it is never sent. Already
    reported: the register must be told separately (the row shows when it was sent)."""
    return _mark_entered_in_error(actor, vaccination, reason, channel, "vaccination")


def patient_vaccinations(*, patient: Patient) -> QuerySet[Vaccination]:
    return (
        Vaccination.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .select_related("given_by", "recorded_by", "error_by")
        .order_by("-given_on", "-recorded_at", "-pk")
    )


# The DDV export ----------------------------------------------------------------------------------

DDV_FORMAT = "klinik-ddv-1"
DDV_COLUMNS = [
    "vaccination_id",
    "cpr",
    "vaccine",
    "atc_code",
    "batch_number",
    "dose",
    "site",
    "given_on",
    "given_by",
    "given_by_authorisation_id",
    "organisation",
    "cvr",
    "sor_code",
    "ydernummer",
]
DDV_OBJECT_TYPE = "ddv_report"
LOG_WINDOW = timedelta(minutes=10)


@dataclass
class DdvExport:
    """One batch sent to the vaccination register: the file content, in JSON or CSV."""

    batch: uuid.UUID | None
    exported_at: datetime | None
    organisation: Organisation
    rows: list[dict[str, Any]]

    def as_json(self) -> str:
        return json.dumps(
            {
                "format": DDV_FORMAT,
                "batch": str(self.batch) if self.batch else None,
                "exported_at": self.exported_at.isoformat() if self.exported_at else None,
                "organisation": {
                    "name": self.organisation.name,
                    "cvr": self.organisation.cvr,
                },
                "vaccinations": self.rows,
            },
            ensure_ascii=False,
            indent=2,
        )

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=DDV_COLUMNS, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: "" if row[k] is None else row[k] for k in DDV_COLUMNS})
        return out.getvalue()


def _ddv_row(v: Vaccination) -> dict[str, Any]:
    unit = v.contact.unit if v.contact_id else v.patient.unit
    return {
        "vaccination_id": str(v.public_id),
        "cpr": v.patient.cpr,
        "vaccine": v.vaccine,
        "atc_code": v.atc_code,
        "batch_number": v.batch_number,
        "dose": v.dose,
        "site": v.site,
        "given_on": v.given_on.isoformat(),
        "given_by": v.given_by.get_full_name() or v.given_by.get_username(),
        # No authorisation register (autorisations-id) in Klinik yet.
        "given_by_authorisation_id": None,
        "organisation": v.organisation.name,
        "cvr": v.organisation.cvr,
        "sor_code": unit.sor_code if unit is not None else "",
        # No provider number (ydernummer) on organisations yet.
        "ydernummer": "",
    }


def _export_actor(actor: Actor, organisation: Organisation) -> None:
    require(actor, Perm.PATIENT_EXPORT)
    if organisation.pk not in actor.organisation_ids or actor.organisation is None:
        raise RecordError(EXPORT_OTHER_ORGANISATION, code="organisation")


def _log_export(actor: Actor, rows: list[Vaccination], batch: uuid.UUID, channel: Channel) -> None:
    """One access-log entry per patient in the batch (the batch id is the object)."""
    for patient in {v.patient_id: v.patient for v in rows}.values():
        access_log_record(
            actor=actor,
            action=Action.EXPORT,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type=DDV_OBJECT_TYPE,
            object_id=batch,
            patient_id=patient.public_id,
            organisation_id=patient.organisation_id,
        )


def _export_rows(queryset: QuerySet[Vaccination]) -> QuerySet[Vaccination]:
    return queryset.select_related(
        "patient", "patient__unit", "given_by", "organisation", "contact", "contact__unit"
    ).order_by("given_on", "recorded_at", "pk")


def vaccinations_export_ddv(
    *, actor: Actor, organisation: Organisation, channel: Channel = Channel.UI
) -> DdvExport:
    """Export the organisation's unreported vaccinations (not entered in error) for the
    vaccination register and mark them reported with one batch id, in one transaction.
    Each patient's export is logged. A second export right after is empty."""
    _export_actor(actor, organisation)
    batch = uuid.uuid4()
    with transaction.atomic(durable=True):
        now = timezone.now()
        rows = list(
            _export_rows(
                Vaccination.objects.select_for_update(of=("self",)).filter(
                    organisation=organisation,
                    reported_at__isnull=True,
                    error_at__isnull=True,
                )
            )
        )
        if not rows:
            return DdvExport(batch=None, exported_at=None, organisation=organisation, rows=[])
        Vaccination.objects.filter(pk__in=[v.pk for v in rows]).update(
            reported_at=now, report_batch=batch
        )
        _log_export(actor, rows, batch, channel)
    return DdvExport(
        batch=batch, exported_at=now, organisation=organisation, rows=[_ddv_row(v) for v in rows]
    )


def vaccination_report_again(
    *,
    actor: Actor,
    organisation: Organisation,
    batch: uuid.UUID,
    channel: Channel = Channel.UI,
) -> DdvExport | None:
    """The file of an earlier batch, rebuilt from its rows (the rows are never edited; one
    marked in error since is still listed, as it was sent). Logged like the export."""
    _export_actor(actor, organisation)
    with transaction.atomic(durable=True):
        rows = list(
            _export_rows(Vaccination.objects.filter(organisation=organisation, report_batch=batch))
        )
        if not rows:
            return None
        _log_export(actor, rows, batch, channel)
    return DdvExport(
        batch=batch,
        exported_at=rows[0].reported_at,
        organisation=organisation,
        rows=[_ddv_row(v) for v in rows],
    )


@dataclass(frozen=True)
class ReportBatch:
    batch: uuid.UUID
    reported_at: datetime
    count: int
    exported_by: str


def vaccination_report_batches(
    *, actor: Actor, organisation: Organisation, limit: int = 50
) -> list[ReportBatch]:
    """The batches sent so far, newest first, with who exported them (from the access log)."""
    _export_actor(actor, organisation)
    batches = list(
        Vaccination.objects.filter(organisation=organisation, report_batch__isnull=False)
        .values("report_batch")
        .annotate(count=Count("pk"), reported_at=Max("reported_at"))
        .order_by("-reported_at")[:limit]
    )
    names: dict[str, str] = {}
    if batches:
        # Each export's log entries are written right after its rows are stamped: narrow
        # time windows keep this on the (organisation, occurred_at) index of a large log.
        windows = Q()
        for b in batches:
            windows |= Q(occurred_at__range=(b["reported_at"], b["reported_at"] + LOG_WINDOW))
        for object_id, username in (
            AccessLogEntry.objects.filter(
                windows,
                organisation_id=organisation.pk,
                object_type=DDV_OBJECT_TYPE,
                action=Action.EXPORT,
                object_id__in=[str(b["report_batch"]) for b in batches],
            )
            .order_by("seq")
            .values_list("object_id", "username")
        ):
            names.setdefault(object_id, username)
    return [
        ReportBatch(
            batch=b["report_batch"],
            reported_at=b["reported_at"],
            count=b["count"],
            exported_by=names.get(str(b["report_batch"]), ""),
        )
        for b in batches
    ]


def vaccinations_unreported_count(*, organisation: Organisation) -> int:
    return Vaccination.objects.filter(
        organisation=organisation, reported_at__isnull=True, error_at__isnull=True
    ).count()
