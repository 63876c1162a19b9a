"""Plausibility of a measurement: the ranges a value must lie in, and the parsing of typed
numbers ("72,5" and "72.5" alike). Used by the service before saving and by the API and forms
for early feedback.

Plausible ranges (a value outside is refused with the range in the message, nothing saved).
They are wide on purpose — they catch typing errors (900 kg, a blood pressure typed the wrong
way round, 375 °C), not illness:

    height          20-250 cm     a very premature newborn to the tallest adults
    weight          0.3-350 kg    a very premature newborn to severe obesity
    blood pressure  systolic 50-300, diastolic 20-200 mmHg, diastolic below systolic
    pulse           20-250 /min
    temperature     30-44 °C      deep hypothermia to the highest survivable fever
    waist           30-250 cm

Values keep two decimals (rounded).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext_lazy

from klinik.records.choices import MeasurementKind
from klinik.records.errors import RecordCode, RecordError


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

_TWO_PLACES = Decimal("0.01")


def _number(raw: object, field: str) -> Decimal:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise RecordError(VALUE_REQUIRED, code=RecordCode.VALUE_REQUIRED, field=field)
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise RecordError(VALUE_NOT_A_NUMBER, code=RecordCode.VALUE_INVALID, field=field) from exc
    if not value.is_finite():
        raise RecordError(VALUE_NOT_A_NUMBER, code=RecordCode.VALUE_INVALID, field=field)
    return value.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def decimal_text(value: Decimal) -> str:
    """A number without trailing zeros, with the language's decimal sign (72,5)."""
    text = format(value.normalize(), "f")
    return formats.number_format(Decimal(text))


def _in_range(value: Decimal, limits: Range, label: object, field: str) -> None:
    if not limits.low <= value <= limits.high:
        raise RecordError(
            OUT_OF_RANGE
            % {
                "measurement": label,
                "low": decimal_text(limits.low),
                "high": decimal_text(limits.high),
                "unit": limits.unit,
            },
            code=RecordCode.IMPLAUSIBLE,
            field=field,
        )


def measurement_check(
    *, kind: str, value: object, value2: object = None
) -> tuple[Decimal, Decimal | None]:
    """Parse and check one measurement; returns (value, value2) or raises RecordError naming
    the field (`value`, `value2`). Used by the service and by forms for early feedback."""
    if kind not in RANGES:
        raise RecordError(KIND_UNKNOWN, code=RecordCode.KIND_UNKNOWN, field="kind")
    number = _number(value, "value")
    if kind != MeasurementKind.BLOOD_PRESSURE:
        if value2 not in (None, ""):
            raise RecordError(
                SECOND_VALUE_ONLY_FOR_PRESSURE, code=RecordCode.VALUE2, field="value2"
            )
        _in_range(number, RANGES[kind], MeasurementKind(kind).label, "value")
        return number, None
    _in_range(number, RANGES[kind], SYSTOLIC_LABEL, "value")
    if value2 in (None, ""):
        raise RecordError(DIASTOLIC_REQUIRED, code=RecordCode.VALUE_REQUIRED, field="value2")
    second = _number(value2, "value2")
    _in_range(second, DIASTOLIC, DIASTOLIC_LABEL, "value2")
    if second >= number:
        raise RecordError(DIASTOLIC_NOT_BELOW, code=RecordCode.IMPLAUSIBLE, field="value2")
    return number, second
