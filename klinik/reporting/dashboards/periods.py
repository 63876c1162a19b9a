"""The dashboards' periods: a month (2026-11), a quarter (2026-K4) or a year (2026)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _

MONTH, QUARTER, YEAR = "month", "quarter", "year"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[KQ]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date

    @property
    def key(self) -> str:
        if self.kind == MONTH:
            return f"{self.first:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.first.year}-K{(self.first.month - 1) // 3 + 1}"
        return str(self.first.year)

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return str(date_format(self.first, "F Y"))
        if self.kind == QUARTER:
            return _("quarter %(number)d %(year)d") % {
                "number": (self.first.month - 1) // 3 + 1,
                "year": self.first.year,
            }
        return str(self.first.year)

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods of the same kind later (earlier when negative)."""
        months = {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind] * steps
        index = self.first.year * 12 + self.first.month - 1 + months
        return period_of(self.kind, date(index // 12, index % 12 + 1, 1))


def _month_end(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def period_of(kind: str, day: date) -> Period:
    """The period of the kind that holds the day."""
    if kind == YEAR:
        return Period(YEAR, date(day.year, 1, 1), date(day.year, 12, 31))
    if kind == QUARTER:
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(QUARTER, first, _month_end(first, 3))
    first = day.replace(day=1)
    return Period(MONTH, first, _month_end(first, 1))


def period_parse(text: str, today: date) -> Period | None:
    """The period a key names (2026-11, 2026-K4, 2026); None when it names none."""
    text = (text or "").strip().upper()
    for pattern, kind in ((_MONTH, MONTH), (_QUARTER, QUARTER), (_YEAR, YEAR)):
        match = pattern.match(text)
        if match is None:
            continue
        year = int(match[1])
        if not 2000 <= year <= today.year + 1:
            return None
        if kind == MONTH:
            month = int(match[2])
            return period_of(MONTH, date(year, month, 1)) if 1 <= month <= 12 else None
        if kind == QUARTER:
            return period_of(QUARTER, date(year, (int(match[2]) - 1) * 3 + 1, 1))
        return period_of(YEAR, date(year, 1, 1))
    return None


def period_choices(today: date) -> list[Period]:
    """The periods offered: the last 24 months, the last 8 quarters and the last 3 years,
    newest first within each kind."""
    months = [period_of(MONTH, today).shifted(-i) for i in range(24)]
    quarters = [period_of(QUARTER, today).shifted(-i) for i in range(8)]
    years = [period_of(YEAR, today).shifted(-i) for i in range(3)]
    return months + quarters + years
