"""The deadline engine over Danish holidays: working days skip weekends and public holidays
(Easter, Ascension, Whitsun, Christmas; Store Bededag up to 2023 only), counting starts the day
after; calendar days likewise; pauses leave their days out."""

from datetime import date

import pytest

from klinik.pathways.engine import (
    due_date,
    is_working_day,
    paused_days,
    working_days_add,
    working_days_between,
)

W, C = "working", "calendar"


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Easter 2026: Skærtorsdag 2.4, Langfredag 3.4, 2. påskedag 6.4.
        (date(2026, 3, 30), 8, date(2026, 4, 14)),
        (date(2026, 4, 1), 1, date(2026, 4, 7)),
        # Ascension 2026 (Thursday 14.5): Wednesday + 1 is Friday.
        (date(2026, 5, 13), 1, date(2026, 5, 15)),
        # Whitsun 2026: 2. pinsedag Monday 25.5.
        (date(2026, 5, 22), 1, date(2026, 5, 26)),
        # Christmas 2026: 25.12 Friday, 26.12 Saturday; 24.12 and 31.12 are working days.
        (date(2026, 12, 23), 1, date(2026, 12, 24)),
        (date(2026, 12, 24), 1, date(2026, 12, 28)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # 1 January, then the weekend
        # Store Bededag: a holiday on Friday 5 May 2023, a working day on 26 April 2024.
        (date(2023, 5, 4), 1, date(2023, 5, 8)),
        (date(2023, 5, 1), 8, date(2023, 5, 12)),
        (date(2024, 4, 25), 1, date(2024, 4, 26)),
        (date(2024, 4, 22), 8, date(2024, 5, 2)),
        # Counting starts the day after: a Friday + 1 is Monday; a Saturday + 1 is Monday.
        (date(2026, 11, 27), 1, date(2026, 11, 30)),
        (date(2026, 11, 28), 1, date(2026, 11, 30)),
        (date(2026, 11, 26), 0, date(2026, 11, 26)),
    ],
)
def test_working_days_skip_weekends_and_public_holidays(start, days, expected):
    assert working_days_add(start, days) == expected


def test_store_bededag_is_a_holiday_until_2023_and_a_working_day_from_2024():
    assert not is_working_day(date(2023, 5, 5))
    assert is_working_day(date(2024, 4, 26))
    assert is_working_day(date(2025, 5, 16))


def test_optional_days_are_working_days():
    # Grundlovsdag, Juleaftensdag and 1 May are not public holidays.
    assert all(is_working_day(d) for d in (date(2026, 6, 5), date(2026, 12, 24), date(2026, 5, 1)))


def test_calendar_days_count_from_the_day_after():
    assert due_date(date(2025, 12, 18), 30, C) == date(2026, 1, 17)
    assert due_date(date(2026, 12, 18), 30, C) == date(2027, 1, 17)
    assert due_date(date(2026, 2, 27), 1, C) == date(2026, 2, 28)


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert working_days_between(date(2026, 3, 30), date(2026, 4, 14)) == 8
    assert working_days_between(date(2026, 4, 14), date(2026, 3, 30)) == 0


def test_a_pause_leaves_its_days_out():
    # 10 working days from Monday 5 January 2026: Monday 19; paused after the 7th up to the 9th.
    assert due_date(date(2026, 1, 5), 10, W) == date(2026, 1, 19)
    pauses = [(date(2026, 1, 7), date(2026, 1, 9))]
    assert due_date(date(2026, 1, 5), 10, W, pauses) == date(2026, 1, 21)
    assert paused_days(date(2026, 1, 5), date(2026, 1, 21), pauses, W) == 2
    # Calendar days: 30 days from 1 March, paused 10 to 15 March (5 days out).
    assert due_date(date(2026, 3, 1), 30, C, [(date(2026, 3, 10), date(2026, 3, 15))]) == date(
        2026, 4, 5
    )


def test_pauses_after_the_due_date_change_nothing_and_overlaps_count_once():
    start = date(2026, 3, 1)
    assert due_date(start, 10, C, [(date(2026, 3, 11), date(2026, 3, 20))]) == date(2026, 3, 11)
    overlapping = [(date(2026, 3, 3), date(2026, 3, 6)), (date(2026, 3, 5), date(2026, 3, 8))]
    assert due_date(start, 10, C, overlapping) == date(2026, 3, 16)


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="negative"):
        working_days_add(date(2026, 1, 1), -1)


def test_far_years_extend_the_table():
    assert working_days_add(date(2090, 12, 22), 3) == date(2090, 12, 29)  # 25, 26 Mon-Tue
    assert working_days_add(date(1995, 4, 12), 1) == date(1995, 4, 18)  # Easter 1995
