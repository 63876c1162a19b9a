"""Markup printed in Python: the toolbar's resource checkboxes, the day grid's appointment
blocks, the week overview's cells, bars and appointment blocks, and the type colour stylesheet.

Each is printed here rather than in a template because there are hundreds or thousands of
them on a busy page and the template engine cost more than the rest of the page. format_html
escapes every value; where mark_safe is used, the comment says why nothing needs escaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from klinik.scheduling.calendar.grid import DASH, Block, OverviewCell
from klinik.scheduling.calendar.selectors import WeekBlock
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.models import AppointmentType, Resource

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def resource_checkboxes(resources: list[Resource], shown: list[Resource]) -> str:
    """The toolbar's checkbox per resource: seventy through the template engine cost a few
    milliseconds on every calendar page. Names are escaped."""
    shown_ids = {r.pk for r in shown}
    return mark_safe(  # noqa: S308  (names escaped; the rest fixed text or ids)
        "".join(
            '<label class="cal-check"><input type="checkbox" name="r" '
            f'value="{r.public_id}"{" checked" if r.pk in shown_ids else ""}> {escape(r.name)}'
            + (
                ""
                if r.kind == ResourceKind.PRACTITIONER
                else f' <span class="hint">({escape(r.get_kind_display())})</span>'
            )
            + "</label>"
            for r in resources
        )
    )


_BLOCK = (
    '<a class="{}" href="{}" id="appt-{}" data-appointment="{}" data-start="{}"{} tabindex="-1" '
    'title="{}"><span class="appt-head"><span class="appt-time">{}<span class="appt-end">'
    + DASH
    + '{}</span></span>{}{}<span class="st st-{}">{}</span></span>'
    '<span class="appt-patient">{}</span><span class="appt-type">{}</span></a>'
)
_BUFFER = '<div class="buffer rs-{} rn-{} lane-{} lanes-{} {}" aria-hidden="true"></div>'
_DRAGGABLE = mark_safe(' draggable="true"')


def blocks_html(blocks: list[Block], labels: dict[str, str]) -> str:
    """A column's appointment blocks as markup: a busy day of twenty columns has some eight
    hundred, and printing each through the template engine cost half the page. format_html
    escapes every value; a group session keeps its template."""
    overbooked = format_html(
        '<span class="appt-flag" title="{}">!</span>', labels["overbooked_label"]
    )
    series = format_html('<span class="appt-flag" title="{}">↻</span>', labels["series_label"])
    parts = []
    for b in blocks:
        if b.is_group:
            parts.append(
                render_to_string(
                    "scheduling/calendar/_group_block.html",
                    {"b": b, "join_label": labels["join_label"]},
                )
            )
        else:
            a = b.appointment
            parts.append(
                format_html(
                    _BLOCK,
                    b.css,
                    b.url,
                    b.public_id,
                    b.public_id,
                    b.start_label,
                    _DRAGGABLE if b.draggable else "",
                    b.title,
                    b.start_label,
                    b.end_label,
                    overbooked if a.is_overbooked else "",
                    series if a.series_id else "",
                    b.status,
                    b.status_label,
                    b.patient,
                    b.type_name,
                )
            )
        if b.buffer_span:
            parts.append(
                format_html(_BUFFER, b.buffer_row, b.buffer_span, b.lane, b.lanes, b.type_class)
            )
    return mark_safe("".join(parts))  # noqa: S308  (each part made safe above)


def cells_html(cells: list[OverviewCell]) -> str:
    """A row's day cells as markup: a hundred cells through the template engine cost more
    than the rest of the page. format_html escapes every value; the bar is safe (bar)."""
    parts = []
    for cell in cells:
        note = cell.holiday or cell.absence
        parts.append(
            format_html(
                '<td class="wk-cell{}"><a class="wk-link" href="{}">{}'
                '<span class="wk-count">{}</span><span class="wk-free">{}</span>'
                '<span class="wk-bar" aria-hidden="true">{}</span>{}</a></td>',
                " is-closed" if cell.holiday else "",
                cell.url,
                format_html('<span class="wk-note">{}</span>', note) if note else "",
                cell.count_label,
                cell.free_label,
                cell.bar,
                cell.blocks,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308  (each part made safe above)


def week_blocks_html(
    blocks: list[WeekBlock],
    types: dict[int, tuple[str, str]],
    printed: dict[WeekBlock, str] | None = None,
) -> str:
    """A day's appointments in the week overview: a small block each with its start, coloured
    by its type (the title names the type). A week of twenty practitioners has thousands:
    printed here, each distinct (minute, type, status) once per page when the caller keeps
    `printed`. `types`: per type id its colour class and its name, already escaped."""
    if not blocks:
        return ""
    if printed is None:
        printed = {}
    parts = []
    for block in blocks:
        part = printed.get(block)
        if part is None:
            minute, type_id, status = block
            css, name = types.get(type_id, ("", ""))
            start = f"{minute // 60:02d}:{minute % 60:02d}"
            part = printed[block] = (
                f'<span class="wk-appt {css} wk-{status}" title="{start} {name}">{start}</span>'
            )
        parts.append(part)
    # Times, type ids, status values and escaped names only.
    return mark_safe(f'<span class="wk-appts">{"".join(parts)}</span>')  # noqa: S308


def bar(segments: list[tuple[str, int, int]]) -> str:
    """The day's bar as markup. Built here, not in the template, because a busy week has
    thousands of segments and template rendering would dominate the page's time; every
    part is a fixed word or an integer, so nothing needs escaping."""
    return mark_safe(  # noqa: S308  (fixed class names and integers only)
        "".join(
            f'<span class="seg seg-{kind} wl-{left} ww-{width}"></span>'
            for kind, left, width in segments
        )
    )


def type_colours_css(types: Iterable[AppointmentType]) -> str:
    """The appointment types' colours as a stylesheet (style attributes are forbidden by the
    Content-Security-Policy). Only well-formed hex colours get through."""
    lines = [
        f".t-{t.public_id.hex}{{--tc:{t.colour}}}" for t in types if HEX_COLOUR.match(t.colour)
    ]
    return "\n".join(lines) + "\n"
