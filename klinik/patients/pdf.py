"""PDF for the patient (the GDPR export, the access report): one page layout, one table,
values written the Danish way. Callers build their story inside translation.override("da")."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats, timezone

# reportlab ships no type hints (types-reportlab is not among the dev dependencies).
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle  # type: ignore[import-untyped]

STYLES: StyleSheet1 = getSampleStyleSheet()
SMALL = STYLES["BodyText"].clone("small", fontSize=8, leading=10)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
    ]
)


def danish(value: Any) -> str:
    """A value as the patient reads it: Ja/Nej, "6. december 2026 kl. 20.44"."""
    if value is True:
        return "Ja"
    if value is False:
        return "Nej"
    if value is None:
        return ""
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), r"j. F Y \k\l. H.i")
    if isinstance(value, date):
        return formats.date_format(value, "j. F Y")
    return str(value)


def pdf_table(header: list[str], rows: list[list[Any]], **kwargs: Any) -> Table:
    """A grid with a shaded header row repeated on every page; cells wrap. Text is escaped:
    Paragraph reads markup, and a journal note may well hold "<" or "&"."""
    body = [[Paragraph(escape(h), SMALL) for h in header]] + [
        [Paragraph(escape(danish(cell)).replace("\n", "<br/>"), SMALL) for cell in row]
        for row in rows
    ]
    table = Table(body, repeatRows=1, **kwargs)
    table.setStyle(_GRID)
    return table


def pdf_document(*, title: str, author: str, story: list[Flowable], wide: bool = False) -> bytes:
    buffer = io.BytesIO()
    margin = 12 * mm if wide else 15 * mm
    SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4) if wide else A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        author=author,
    ).build(story)
    return buffer.getvalue()
