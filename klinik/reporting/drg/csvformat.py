"""The DRG file's format (docs/drg-import.md): lines of semicolon-separated fields, UTF-8,
a header line first. Parsing checks each line's shape; whether its id is the organisation's
contact or pathway is the service's to say. No database here."""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

HEADER = ("periode", "type", "id", "drg", "dags", "takst")
KIND_CONTACT = "kontakt"
KIND_PATHWAY = "forloeb"
_KINDS = {"kontakt": KIND_CONTACT, "forloeb": KIND_PATHWAY, "forløb": KIND_PATHWAY}
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
# DkDRG and DAGS group codes: capitals and digits (e.g. 04MA98, PG12A, BG50A).
_GROUP = re.compile(r"^[0-9A-Z]{4,10}$")
_AMOUNT = re.compile(r"^\d{1,3}(\.\d{3})*(,\d{1,2})?$|^\d+(,\d{1,2})?$|^\d+(\.\d{1,2})?$")
MAX_TARIFF = Decimal("9999999999.99")
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class DrgLine:
    number: int  # the line's number in the file (the header is line 1)
    period: date  # the month's first day
    kind: str  # KIND_CONTACT or KIND_PATHWAY
    public_id: uuid.UUID
    drg_group: str
    dags_group: str
    tariff: Decimal


@dataclass
class ParsedFile:
    lines: list[DrgLine] = field(default_factory=list)
    # (line number, message); line 0: the file as a whole.
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def periods(self) -> list[date]:
        return sorted({line.period for line in self.lines})


def _period(text: str) -> date | None:
    match = _PERIOD.match(text)
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def tariff_parse(text: str) -> Decimal | None:
    """An amount in DKK the Danish way (1.234,50 or 1234,50) or with a decimal point
    (1234.50); at most two decimals. None when it is not one."""
    text = text.replace(" ", "")
    if not _AMOUNT.match(text):
        return None
    if "," in text or text.count(".") > 1 or re.match(r"^\d{1,3}\.\d{3}$", text):
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount <= MAX_TARIFF else None


def _line(number: int, cells: list[str], errors: list[tuple[int, str]]) -> DrgLine | None:
    if len(cells) != len(HEADER):
        errors.append(
            (
                number,
                _("The line has %(found)d fields; %(wanted)d are expected.")
                % {"found": len(cells), "wanted": len(HEADER)},
            )
        )
        return None
    period_text, kind_text, id_text, drg, dags, tariff_text = (c.strip() for c in cells)
    found: list[str] = []
    period = _period(period_text)
    if period is None:
        found.append(_("The period must be a month written YYYY-MM, e.g. 2026-11."))
    kind = _KINDS.get(kind_text.lower())
    if kind is None:
        found.append(_('The type must be "kontakt" or "forloeb".'))
    try:
        public_id = uuid.UUID(id_text)
    except ValueError:
        public_id = None
        found.append(_("The id is not a Klinik id (a UUID)."))
    drg, dags = drg.upper(), dags.upper()
    if not drg and not dags:
        found.append(_("Give a DRG group or a DAGS group."))
    if drg and not _GROUP.match(drg):
        found.append(_("The DRG group %(code)s is not a group code.") % {"code": drg[:20]})
    if dags and not _GROUP.match(dags):
        found.append(_("The DAGS group %(code)s is not a group code.") % {"code": dags[:20]})
    tariff = tariff_parse(tariff_text)
    if tariff is None:
        found.append(_("The tariff must be an amount in DKK, e.g. 1.234,50."))
    errors.extend((number, message) for message in found)
    if found:
        return None
    assert period is not None and kind is not None and public_id is not None
    assert tariff is not None
    return DrgLine(number, period, kind, public_id, drg, dags, tariff)


def drg_file_parse(data: bytes) -> ParsedFile:
    """The file's lines and the errors of its shape, each with its line number."""
    result = ParsedFile()
    if len(data) > MAX_BYTES:
        result.errors.append((0, _("The file is larger than 2 MB: split it by month.")))
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append((0, _("The file is not UTF-8 text.")))
        return result
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    if not rows or not any(c.strip() for c in rows[0]):
        result.errors.append((0, _("The file is empty.")))
        return result
    header = tuple(c.strip().lower() for c in rows[0])
    if header != HEADER:
        result.errors.append(
            (1, _("The first line must be the header %(header)s.") % {"header": ";".join(HEADER)})
        )
        return result
    seen: dict[tuple[date, uuid.UUID], int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines (a trailing one) are allowed
        line = _line(number, cells, result.errors)
        if line is None:
            continue
        key = (line.period, line.public_id)
        if key in seen:
            result.errors.append(
                (
                    number,
                    _("The id is on line %(line)d already for the same month.")
                    % {"line": seen[key]},
                )
            )
            continue
        seen[key] = number
        result.lines.append(line)
    if not result.lines and not result.errors:
        result.errors.append((0, _("The file holds no lines after the header.")))
    return result
