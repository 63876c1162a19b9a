"""A letter as PDF (reportlab): the letterhead (logo, organisation, unit, address, phone), the
patient's address block, the date, the subject, the text and the signature."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings

# reportlab ships no type hints (types-reportlab is not among the dev dependencies).
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)

from klinik.patients.pdf import STYLES, danish

BODY = STYLES["BodyText"].clone("letter", fontSize=11, leading=15)
HEAD = STYLES["Heading2"].clone("letterhead", spaceAfter=2)
SMALL = STYLES["BodyText"].clone("letter-small", fontSize=9, leading=11)
RIGHT = SMALL.clone("letter-right", alignment=2)


def _lines(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def _logo(logo_key: str) -> Image | None:
    if not logo_key:
        return None
    path = Path(settings.DATA_DIR) / "logos" / Path(logo_key).name
    if not path.is_file():
        return None
    image = Image(str(path))
    scale = min(40 * mm / image.drawWidth, 18 * mm / image.drawHeight, 1.0)
    image.drawWidth, image.drawHeight = image.drawWidth * scale, image.drawHeight * scale
    return image


def letter_pdf(
    *,
    sender_lines: list[str],
    logo_key: str,
    recipient_lines: list[str],
    day: date,
    subject: str,
    body: str,
    signature: str,
    title: str,
) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=sender_lines[0] if sender_lines else "",
    )
    head = [Paragraph(escape(sender_lines[0]), HEAD)] if sender_lines else []
    head += [Paragraph(escape(line), SMALL) for line in sender_lines[1:] if line]
    logo = _logo(logo_key)
    letterhead = Table([[head, logo or ""]], colWidths=[120 * mm, 48 * mm])
    story = [
        letterhead,
        Spacer(1, 14 * mm),
        Paragraph("<br/>".join(escape(line) for line in recipient_lines if line), BODY),
        Spacer(1, 8 * mm),
        Paragraph(escape(danish(day)), RIGHT),
        Spacer(1, 6 * mm),
        Paragraph(f"<b>{escape(subject)}</b>", BODY),
        Spacer(1, 4 * mm),
    ]
    story += [Paragraph(_lines(part), BODY) for part in body.split("\n\n")]
    story += [
        Spacer(1, 8 * mm),
        Paragraph(f"Med venlig hilsen<br/>{escape(signature)}", BODY),
    ]
    document.build(story)
    return buffer.getvalue()
