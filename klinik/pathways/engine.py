"""The deadline engine: plain date arithmetic, no database.

Working days (hverdage) are Monday to Friday that are not Danish public holidays (`holidays`,
DK, public category only: Store Bededag is a holiday up to 2023 and a working day from 2024,
Act no. 214 of 6 March 2023). Counting starts the day after the start date, for working-day
and calendar-day rules alike: received Thursday 18 December, 30 calendar days → 17 January.

Pauses are spans of days that do not count: a span (paused_on, resumed_on) leaves out the
days after `paused_on` up to and including `resumed_on`, the same "from the day after" rule.

Speed: the working days of a range of years are kept as a sorted array of ordinals, so adding
N working days is one binary search and one index (no loop over days).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta

import holidays

from klinik.pathways.choices import DayUnit

_lock = threading.Lock()
# (first year, last year, sorted ordinals of the working days in those years)
_table: tuple[int, int, list[int]] = (0, -1, [])
_MARGIN_YEARS = 3


def _build(first: int, last: int) -> tuple[int, int, list[int]]:
    public = holidays.country_holidays("DK", years=range(first, last + 1), categories=("public",))
    day = date(first, 1, 1)
    end = date(last, 12, 31)
    ordinals = []
    while day <= end:
        if day.weekday() < 5 and day not in public:
            ordinals.append(day.toordinal())
        day += timedelta(days=1)
    return first, last, ordinals


def _working_ordinals(start: date, days: int) -> list[int]:
    """The table, covering `start` and (generously) the `days` working days after it."""
    global _table
    first, last, ordinals = _table
    need_last = start.year + days // 200 + 1
    if first <= start.year and need_last <= last:
        return ordinals
    with _lock:
        first, last, ordinals = _table
        if first <= start.year and need_last <= last:
            return ordinals
        new_first = min(start.year - _MARGIN_YEARS, first) if last >= first else start.year - 3
        new_last = max(need_last + _MARGIN_YEARS, last)
        _table = _build(max(new_first, 1), min(new_last, 9998))
        return _table[2]


def is_working_day(day: date) -> bool:
    ordinals = _working_ordinals(day, 0)
    index = bisect_right(ordinals, day.toordinal())
    return index > 0 and ordinals[index - 1] == day.toordinal()


def working_days_add(start: date, days: int) -> date:
    """The date `days` working days after `start` (counting from the day after)."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    ordinals = _working_ordinals(start, days)
    index = bisect_right(ordinals, start.toordinal()) + days - 1
    return date.fromordinal(ordinals[index])


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if end ≤ start)."""
    if end <= start:
        return 0
    # Asking for as many working days as there are calendar days covers `end` too.
    ordinals = _working_ordinals(start, (end - start).days)
    return bisect_right(ordinals, end.toordinal()) - bisect_right(ordinals, start.toordinal())


def _counted(unit: str, after: date, upto: date) -> int:
    """Days of the unit after `after` up to and including `upto`."""
    if unit == DayUnit.WORKING:
        return working_days_between(after, upto)
    return max((upto - after).days, 0)


def _add(unit: str, start: date, days: int) -> date:
    if unit == DayUnit.WORKING:
        return working_days_add(start, days)
    return start + timedelta(days=days)


def due_date(start: date, length: int, unit: str, pauses: Sequence[tuple[date, date]] = ()) -> date:
    """The due date of a clock of `length` days (working or calendar) started on `start`,
    with the days of each pause (after `paused_on`, up to and including `resumed_on`) not
    counted. Pauses may come in any order and overlap."""
    due = _add(unit, start, length)
    if not pauses:
        return due
    spans = _merged(pauses)
    remaining = length
    cursor = start  # days after the cursor are still to be counted
    for paused_on, resumed_on in spans:
        if resumed_on <= cursor:
            continue
        if paused_on >= _add(unit, cursor, remaining):
            break  # the clock runs out before this pause
        if paused_on > cursor:
            remaining -= _counted(unit, cursor, paused_on)
        cursor = max(cursor, resumed_on)
    return _add(unit, cursor, remaining)


def paused_days(start: date, due: date, pauses: Sequence[tuple[date, date]], unit: str) -> int:
    """How many days of the unit the pauses took out between start and due (for display)."""
    total = 0
    for paused_on, resumed_on in _merged(pauses):
        low, high = max(paused_on, start), min(resumed_on, due)
        if high > low:
            total += _counted(unit, low, high)
    return total


def _merged(pauses: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    spans: list[tuple[date, date]] = []
    for paused_on, resumed_on in sorted(pauses):
        if resumed_on <= paused_on:
            continue
        if spans and paused_on <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], resumed_on))
        else:
            spans.append((paused_on, resumed_on))
    return spans
