"""Markup printed in Python for the desk's busiest lists, as the calendar does
(scheduling/calendar/markup.py): a row through the template engine costs about a tenth of a
millisecond, and the patient page lists twenty appointments on every visit. Every value is
escaped (html.escape, as Django's escape); the link is reversed once for the list."""

from __future__ import annotations

import uuid
from datetime import datetime
from html import escape

from django.urls import reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone

from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.schedule import DayAppointment

# Reversed once per list and replaced by each appointment's id: a UUID's text is all it adds.
_PLACEHOLDER = str(uuid.UUID(int=0))


def patient_appointments_html(
    appointments: list[DayAppointment], now: datetime, *, is_linked: bool = True
) -> SafeString:
    """The patient page's appointments: when (as the date filter's "D d.m.Y H:i"), type, the
    resources held, the status; weekday names and statuses translated once for the list.
    `is_linked`: the time links to the appointment's panel (cancel, move; issue 20), and the
    next booked one answers the page's `a` key (data-stop-key)."""
    weekdays = [escape(str(WEEKDAYS_ABBR[day])) for day in range(7)]
    labels = {status.value: escape(str(status.label)) for status in AppointmentStatus}
    upcoming = next(
        (
            a.pk
            for a in sorted(appointments, key=lambda a: a.start)
            if a.start >= now and a.status == AppointmentStatus.BOOKED
        ),
        None,
    )
    href = escape(reverse("calendar_appointment", args=[_PLACEHOLDER])) if is_linked else ""
    zone = get_current_timezone()
    lines = []
    for a in appointments:
        local = a.start.astimezone(zone)
        text = f"{weekdays[local.weekday()]} {local:%d.%m.%Y %H:%M}"
        if not is_linked:
            when = f'<span class="when">{text}</span>'
        else:
            stop = ' data-stop-key="a" id="next-appointment"' if a.pk == upcoming else ""
            link = href.replace(_PLACEHOLDER, str(a.public_id))
            when = f'<a class="when" href="{link}"{stop}>{text}</a>'
        held = "".join(f" · {escape(hold.resource.name)}" for hold in a.holds)
        lines.append(
            f'<li class="{"past" if a.start < now else ""} status-{escape(a.status)}">'
            f"{when} · {escape(a.appointment_type.name)}{held} "
            f'<span class="badge">{labels.get(a.status) or escape(a.status)}</span></li>'
        )
    return mark_safe("\n".join(lines))  # noqa: S308  (every value escaped above)
