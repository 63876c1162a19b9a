"""A dashboard as an Excel workbook (openpyxl): one sheet per panel, its table as shown."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook

from klinik.reporting.dashboards.selectors import Dashboard

# Excel forbids these in sheet names and allows 31 characters.
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def dashboard_workbook(dashboard: Dashboard) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for panel in dashboard.panels:
        sheet = book.create_sheet(panel.title.translate(_SHEET_FORBIDDEN)[:31].strip())
        sheet.append([panel.title])
        sheet.append([f"{dashboard.unit.name} · {dashboard.period.label}"])
        sheet.append(panel.headers)
        for row in panel.rows:
            sheet.append([float(c) if isinstance(c, Decimal) else c for c in row])
        if panel.note:
            sheet.append([panel.note])
        for column in sheet.columns:
            letter = column[0].column_letter
            sheet.column_dimensions[letter].width = 18
        sheet.column_dimensions["A"].width = 40
    out = BytesIO()
    book.save(out)
    return out.getvalue()
