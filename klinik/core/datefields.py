"""Date and time fields that show and take Danish formats whatever the browser's locale.

A native `<input type="date">` shows `12/07/2026` and `08:30 AM` on a PC with an English
system locale — common on clinic PCs — and the user cannot change it. These fields are text
inputs: they show `07.12.2026` and `08:30` (24-hour), take what people type (`7.12.2026`,
`07122026`, `7/12 26`, `7.12` for this year; `830`, `8.30`, `8`), and also the ISO forms links
and scripts use (`2026-12-07`, `2026-12-07T08:30`). app.js tidies a typed value on leaving the
field and moves it a day (or five minutes) with the arrow keys.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATE_FORMAT = "%d.%m.%Y"
TIME_FORMAT = "%H:%M"
DATETIME_FORMAT = f"{DATE_FORMAT} {TIME_FORMAT}"

_DATE = re.compile(r"^(\d{1,2})\s*[.\-/\s]\s*(\d{1,2})(?:\s*[.\-/\s]\s*(\d{2}|\d{4}))?$")
_DATE_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{1,2})(?:\s*[:.]\s*(\d{2}))?$")
_TIME_COMPACT = re.compile(r"^(\d{1,2})(\d{2})$")


def parse_danish_date(text: str, *, today: date | None = None) -> date | None:
    """The date typed, or None when it is not one. Two-digit years are this century's up to
    ten years ahead, else the last one's (a birth year "53" is 1953)."""
    text = text.strip()
    iso = _ISO_DATE.match(text)
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if match is None:
            return None
        today = today or timezone.localdate()
        day, month, year_text = int(match[1]), int(match[2]), match[3]
        if year_text is None:
            year = today.year
        elif len(year_text) == 2:
            year = 2000 + int(year_text)
            if year > today.year + 10:
                year -= 100
        else:
            year = int(year_text)
        return date(year, month, day)
    except ValueError:
        return None


def parse_danish_time(text: str) -> time | None:
    text = text.strip()
    match = _TIME.match(text) or _TIME_COMPACT.match(text)
    if match is None:
        return None
    try:
        return time(int(match[1]), int(match[2] or 0))
    except ValueError:
        return None


class DanishDateInput(forms.TextInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {
            "placeholder": _("dd.mm.yyyy"),
            "inputmode": "numeric",
            "autocomplete": "off",
            "size": 10,
            "data-date": "",
        }
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return value.strftime(DATE_FORMAT)
        if (
            isinstance(value, str)
            and (parsed := parse_danish_date(value))
            and _ISO_DATE.match(value)
        ):
            return parsed.strftime(DATE_FORMAT)
        formatted: str | None = super().format_value(value)
        return formatted


class DanishTimeInput(forms.TextInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {
            "placeholder": _("hh:mm"),
            "inputmode": "numeric",
            "autocomplete": "off",
            "size": 5,
            "data-time": "",
        }
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, time | datetime):
            return value.strftime(TIME_FORMAT)
        formatted: str | None = super().format_value(value)
        return formatted


class DanishDateTimeInput(forms.TextInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {
            "placeholder": _("dd.mm.yyyy hh:mm"),
            "autocomplete": "off",
            "size": 16,
            "data-datetime": "",
        }
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime):
            return (
                timezone.localtime(value).strftime(DATETIME_FORMAT)
                if timezone.is_aware(value)
                else value.strftime(DATETIME_FORMAT)
            )
        formatted: str | None = super().format_value(value)
        return formatted


class DanishDateField(forms.DateField):
    widget = DanishDateInput
    default_error_messages = {"invalid": _("Write the date as dd.mm.yyyy, e.g. 24.12.2026.")}

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        parsed = parse_danish_date(str(value))
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class DanishTimeField(forms.TimeField):
    widget = DanishTimeInput
    default_error_messages = {"invalid": _("Write the time as hh:mm (24-hour), e.g. 14:30.")}

    def to_python(self, value: Any) -> time | None:
        if value in self.empty_values:
            return None
        if isinstance(value, time):
            return value
        parsed = parse_danish_time(str(value))
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class DanishDateTimeField(forms.DateTimeField):
    """A date and a time in one box: `07.12.2026 08:30` (or ISO `2026-12-07T08:30`), local."""

    widget = DanishDateTimeInput
    default_error_messages = {
        "invalid": _("Write the date and time as dd.mm.yyyy hh:mm, e.g. 24.12.2026 14:30.")
    }

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        day_text, _sep, time_text = text.replace("T", " ").partition(" ")
        day = parse_danish_date(day_text)
        clock = parse_danish_time(time_text) if time_text.strip() else None
        if day is None or clock is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return timezone.make_aware(datetime.combine(day, clock))
