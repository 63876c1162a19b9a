"""The compact board's rows printed in Python: a large unit's day has two thousand of them,
and the template engine cost more than the rest of the page (as scheduling.calendar.markup
does for the calendar). Every value that comes from the database is escaped (the
standard library's html.escape: the same five characters as Django's, without its lazy-string
wrapper, which cost a tenth of the board)."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from klinik.scheduling.reception.selectors import BoardRow, RowAction

BLANK = "00000000-0000-0000-0000-000000000000"


def _button(action: RowAction, *, primary: bool, compact: bool) -> str:
    # Status values and keys are fixed words; the translated label is escaped.
    label = escape(action.label)
    if primary:  # Enter on the focused row, or its own key
        return (
            f'<button type="submit" name="status" value="{action.status}" data-primary '
            f'data-key="{action.key}" aria-keyshortcuts="Enter {action.key}" tabindex="-1" '
            f'class="primary-action">{label}{"" if compact else f" <kbd>{action.key}</kbd>"}'
            "</button>"
        )
    shown = " hidden" if compact else ""
    undo = ' class="undo"' if action.is_undo else ""
    return (
        f'<button type="submit" name="status" value="{action.status}" data-key="{action.key}" '
        f'aria-keyshortcuts="{action.key}" tabindex="-1"{undo}{shown}>{label}'
        f"{'' if compact else f' <kbd>{action.key}</kbd>'}</button>"
    )


def row_form_inner(row: BoardRow, head: str, *, compact: bool) -> str:
    """The row's form content: the board's hidden inputs, the status the row showed and its
    one-key actions, the primary one first. On the compact table only the primary action is
    shown; the others stay as hidden buttons (their keys still work on the focused row)."""
    ordered = sorted(row.actions, key=lambda a: a is not row.primary)
    buttons = "".join(_button(a, primary=a is row.primary, compact=compact) for a in ordered)
    return f'{head}<input type="hidden" name="seen" value="{row.status}">{buttons}'


def board_table_html(
    rows: list[BoardRow], *, head: str, url_pattern: str, can_book: bool, show_clinic: bool
) -> SafeString:
    """The compact table's rows: time, name, age, type, practitioner, status and one
    primary action. `url_pattern` is the status URL with BLANK for the unit and for the
    appointment; `head` the safe hidden inputs each form repeats."""
    inner: dict[tuple[str, ...], str] = {}
    texts: dict[str, str] = {}

    def text(value: str) -> str:
        if value not in texts:
            texts[value] = escape(value)
        return texts[value]

    parts = []
    for row in rows:
        form = ""
        if can_book and row.actions:
            same = (row.status, row.attendance, *(a.status for a in row.actions))
            if same not in inner:
                inner[same] = row_form_inner(row, head, compact=True)
            url = url_pattern.replace(BLANK, row.unit_id, 1).replace(BLANK, row.id, 1)
            form = (
                f'<form method="post" class="row-actions" action="{url}" hx-post="{url}" '
                f'hx-target="#board" hx-swap="outerHTML">{inner[same]}</form>'
            )
        queue = f'<span class="queue-no">{row.queue_number}</span> ' if row.is_walk_in else ""
        with_whom = ", ".join(row.practitioners)
        if row.rooms:
            with_whom += " · " + ", ".join(row.rooms)
        arrived = f' <span class="hint">{row.arrived}</span>' if row.arrived else ""
        clinic = f'<td class="clinic">{text(row.clinic)}</td>' if show_clinic else ""
        parts.append(
            f'<tr class="board-row status-{row.status}" id="row-{row.id}" tabindex="0" data-row '
            f'data-lane="{row.lane}" data-attendance="{row.attendance}">{clinic}'
            f'<td class="time">{row.time}</td>'
            f'<td class="name">{queue}{escape(row.name)} '
            f'<span class="row-identity">{escape(row.identity)}</span></td>'
            f'<td class="age">{row.age}</td><td>{text(row.type_name)}</td>'
            f"<td>{text(with_whom)}</td>"
            f'<td><span class="status-label status-{row.status}">{text(row.status_label)}</span>'
            f"{arrived}</td><td>{form}</td></tr>"
        )
    # Status, lane and attendance values are the models' fixed choices; ids are UUIDs; every
    # text from the database went through escape().
    return mark_safe("".join(parts))  # noqa: S308
