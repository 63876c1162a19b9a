"""Markup printed in Python for the desk's busiest lists, as the calendar does
(scheduling/calendar/markup.py): a row through the template engine costs about a tenth of a
millisecond, and the patient page lists twenty appointments on every visit. format_html escapes
every value."""

from __future__ import annotations

from datetime import datetime

from django.utils.dateformat import format as date_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from klinik.scheduling.selectors import DayAppointment


def patient_appointments_html(appointments: list[DayAppointment], now: datetime) -> SafeString:
    """The patient page's appointments: when, type, the resources held, the status."""
    return format_html_join(
        "\n",
        '<li class="{} status-{}"><span class="when">{}</span> · {}{}'
        ' <span class="badge">{}</span></li>',
        (
            (
                "past" if a.start < now else "",
                a.status,
                date_format(localtime(a.start), "D d.m.Y H:i"),
                a.appointment_type.name,
                format_html_join("", " · {}", ((hold.resource.name,) for hold in a.holds)),
                a.status_label,
            )
            for a in appointments
        ),
    )
