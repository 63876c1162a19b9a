"""Markup printed in Python for the desk's busiest lists, as the calendar does
(scheduling/calendar/markup.py): a row through the template engine costs about a tenth of a
millisecond, and the patient page lists twenty appointments on every visit. format_html escapes
every value."""

from __future__ import annotations

from datetime import datetime

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.selectors import DayAppointment


def patient_appointments_html(appointments: list[DayAppointment], now: datetime) -> SafeString:
    """The patient page's appointments: when (as the date filter's "D d.m.Y H:i"), type, the
    resources held, the status; weekday names and statuses translated once for the list."""
    weekdays = [str(WEEKDAYS_ABBR[day]) for day in range(7)]
    labels = {status.value: str(status.label) for status in AppointmentStatus}

    def when(moment: datetime) -> str:
        local = localtime(moment)
        return f"{weekdays[local.weekday()]} {local:%d.%m.%Y %H:%M}"

    return format_html_join(
        "\n",
        '<li class="{} status-{}"><span class="when">{}</span> · {}{}'
        ' <span class="badge">{}</span></li>',
        (
            (
                "past" if a.start < now else "",
                a.status,
                when(a.start),
                a.appointment_type.name,
                format_html_join("", " · {}", ((hold.resource.name,) for hold in a.holds)),
                labels.get(a.status, a.status),
            )
            for a in appointments
        ),
    )
