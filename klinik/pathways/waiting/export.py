"""The waiting-time overview as an Excel workbook (openpyxl): the waiting patients and the
monthly shares."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook

from klinik.pathways.waiting.selectors import WaitingOverview


def overview_workbook(overview: WaitingOverview) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ventende"
    header = ["Patient", "CPR", "Modtaget", "Prioritet"]
    for rule in overview.rules:
        header += [f"{rule} frist", f"{rule} ventet (dage)", f"{rule} tilbage (dage)"]
    sheet.append(header)
    for row in overview.rows:
        referral = row.referral
        line: list[object] = [
            referral.patient.name,
            referral.patient.cpr_display,
            timezone.localtime(referral.received_at).date(),
            referral.get_priority_display(),
        ]
        for rule in overview.rules:
            cell = row.cells.get(rule)
            line += [cell.due, cell.waited, cell.left] if cell else ["", "", ""]
        sheet.append(line)
    for column in sheet.iter_cols(min_row=2, max_row=sheet.max_row):
        for item in column:
            if hasattr(item.value, "isoformat"):
                item.number_format = "DD.MM.YYYY"
    shares = book.create_sheet("Andel inden for frist")
    shares.append(["Måned", "Overholdt", "I alt", "Andel (%)"])
    for month in overview.months:
        shares.append([month.month.strftime("%m.%Y"), month.kept, month.total, month.percent])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
