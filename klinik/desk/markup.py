"""Markup printed in Python for the desk's busiest lists, as the calendar does
(scheduling/calendar/markup.py): a row through the template engine costs about a tenth of a
millisecond, and the patient page lists twenty appointments on every visit. format_html escapes
every value."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.selectors import DayAppointment


def patient_appointments_html(
    appointments: list[DayAppointment], now: datetime, *, is_linked: bool = True
) -> SafeString:
    """The patient page's appointments: when (as the date filter's "D d.m.Y H:i"), type, the
    resources held, the status; weekday names and statuses translated once for the list.
    `is_linked`: the time links to the appointment's panel (cancel, move; issue 20), and the
    next booked one answers the page's `a` key (data-stop-key)."""
    weekdays = [str(WEEKDAYS_ABBR[day]) for day in range(7)]
    labels = {status.value: str(status.label) for status in AppointmentStatus}
    upcoming = next(
        (
            a.pk
            for a in sorted(appointments, key=lambda a: a.start)
            if a.start >= now and a.status == AppointmentStatus.BOOKED
        ),
        None,
    )

    def when(appointment: DayAppointment) -> SafeString:
        local = localtime(appointment.start)
        text = f"{weekdays[local.weekday()]} {local:%d.%m.%Y %H:%M}"
        if not is_linked:
            return format_html('<span class="when">{}</span>', text)
        return format_html(
            '<a class="when" href="{}"{}>{}</a>',
            reverse("calendar_appointment", args=[appointment.public_id]),
            mark_safe(' data-stop-key="a" id="next-appointment"')
            if appointment.pk == upcoming
            else "",
            text,
        )

    return format_html_join(
        "\n",
        '<li class="{} status-{}">{} · {}{} <span class="badge">{}</span></li>',
        (
            (
                "past" if a.start < now else "",
                a.status,
                when(a),
                a.appointment_type.name,
                format_html_join("", " · {}", ((hold.resource.name,) for hold in a.holds)),
                labels.get(a.status, a.status),
            )
            for a in appointments
        ),
    )
