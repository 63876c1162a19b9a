"""Date and time fields that show and take Danish formats whatever the browser's locale
(issue 11.3): what people type is read, what is shown is dd.mm.yyyy and 24-hour time."""

from datetime import date, datetime, time

import pytest
from django import forms
from django.utils import timezone, translation

from klinik.core.datefields import (
    DanishDateField,
    DanishDateTimeField,
    DanishTimeField,
    parse_danish_date,
    parse_danish_time,
)

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("24.12.2026", date(2026, 12, 24)),
        ("7.1.2027", date(2027, 1, 7)),
        ("07-01-2027", date(2027, 1, 7)),
        ("7/1 2027", date(2027, 1, 7)),
        ("07012027", date(2027, 1, 7)),
        ("7.1", date(2026, 1, 7)),  # no year: this year
        ("1.2.03", date(2003, 2, 1)),
        ("21.07.53", date(1953, 7, 21)),  # two digits past ten years ahead: the last century
        ("2026-12-24", date(2026, 12, 24)),  # ISO, as links and scripts send it
        ("31.02.2026", None),
        ("12/31/2026", None),  # the American order is not a Danish date
        ("i morgen", None),
    ],
)
def test_dates_as_people_type_them(typed, meant):
    assert parse_danish_date(typed, today=TODAY) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("08:30", time(8, 30)), ("8.30", time(8, 30)), ("830", time(8, 30)), ("8", time(8)),
     ("1445", time(14, 45)), ("24:00", None), ("8:75", None), ("8 AM", None)],
)  # fmt: skip
def test_times_as_people_type_them(typed, meant):
    assert parse_danish_time(typed) == meant


class Form(forms.Form):
    day = DanishDateField()
    at = DanishTimeField()
    when = DanishDateTimeField()


def test_the_fields_show_danish_formats_and_are_text_inputs():
    form = Form(
        initial={
            "day": date(2026, 12, 24),
            "at": time(9, 5),
            "when": datetime(2026, 12, 24, 9, 5, tzinfo=timezone.get_default_timezone()),
        }
    )
    html = str(form)
    assert 'type="text" name="day" value="24.12.2026"' in html
    assert 'type="text" name="at" value="09:05"' in html
    assert 'type="text" name="when" value="24.12.2026 09:05"' in html
    assert 'type="date"' not in html and 'type="time"' not in html


def test_typed_values_are_read_and_bad_ones_get_a_danish_message():
    form = Form({"day": "24.12.2026", "at": "1430", "when": "24.12.2026 14:30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date(2026, 12, 24)
    assert form.cleaned_data["at"] == time(14, 30)
    assert timezone.localtime(form.cleaned_data["when"]).strftime("%d.%m.%Y %H:%M") == (
        "24.12.2026 14:30"
    )
    with translation.override("da"):
        bad = Form({"day": "12/31/2026", "at": "2 PM", "when": "24.12.2026"})
        assert not bad.is_valid()
        assert bad.errors["day"] == ["Skriv datoen som dd.mm.åååå, fx 24.12.2026."]
        assert bad.errors["at"] == ["Skriv klokkeslættet som tt:mm (24-timers), fx 14:30."]
        assert bad.errors["when"] == [
            "Skriv dato og klokkeslæt som dd.mm.åååå tt:mm, fx 24.12.2026 14:30."
        ]
