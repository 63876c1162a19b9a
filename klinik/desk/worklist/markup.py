"""The work queue's rows printed in Python: the template engine cost more than the queue's own
reads (as the reception board's markup does). Every text from the database is escaped."""

from __future__ import annotations

from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from klinik.worklist.selectors import WorklistRow


def worklist_rows_html(rows: list[tuple[WorklistRow, str]]) -> SafeString:
    """The table's body rows: due (overdue marked), kind, what (a link, and its second line),
    the patient's name and CPR number, who has it, and "assign to me" where the kind allows.
    `rows` pairs each row with its assignee's name."""
    zone = timezone.get_default_timezone()
    overdue = escape(gettext("Overdue"))
    you = escape(gettext("You"))
    take = escape(gettext("Assign to me"))
    blank = '<span class="hint">—</span>'
    parts = []
    for row, assignee in rows:
        item = row.item
        if item.due is not None:
            local = timezone.localtime(item.due, zone)
            shown = local.strftime("%d.%m.%Y" if item.is_all_day else "%d.%m.%Y %H:%M")
            due = f'<time datetime="{local.isoformat()}">{shown}</time>'
            if row.is_overdue:
                due += f' <span class="badge warn">{overdue}</span>'
        else:
            due = blank
        url = escape(item.url)
        detail = f'<br><span class="hint">{escape(item.detail)}</span>' if item.detail else ""
        patient = (
            f'{escape(row.patient.name)}<br><span class="cpr">{row.patient.cpr_display}</span>'
            if row.patient
            else blank
        )
        who = you if row.is_mine else (escape(assignee) if assignee else blank)
        key = f"{escape(item.kind)}:{escape(item.id)}"
        action = (
            f'<button type="submit" form="worklist-take" name="item" value="{key}" data-take '
            f'tabindex="-1">{take}</button>'
            if row.can_take
            else ""
        )
        marked = ' class="is-overdue"' if row.is_overdue else ""
        parts.append(
            f'<tr data-work-item="{key}" data-url="{url}" tabindex="0"{marked}>'
            f"<td>{due}</td><td>{escape(str(row.kind_label))}</td>"
            f'<td><a href="{url}" tabindex="-1">{escape(item.title)}</a>{detail}</td>'
            f'<td>{patient}</td><td>{who}</td><td class="actions">{action}</td></tr>'
        )
    # Every text from the database went through escape(); kinds and ids are keys and UUIDs.
    return mark_safe("".join(parts))  # noqa: S308
