"""Synthetic CPR numbers for the demo and the tests (parsing real ones is identifiers.py)."""

from __future__ import annotations

import random
from datetime import date

_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def _century_digits(birth_date: date) -> list[int]:
    yy = birth_date.year % 100
    if 1900 <= birth_date.year <= 1999:
        return [0, 1, 2, 3] + ([4, 9] if yy >= 37 else [])
    if 2000 <= birth_date.year <= 2036:
        return [4, 5, 6, 7, 8, 9]
    if 1858 <= birth_date.year <= 1899:
        return [5, 6, 7, 8]
    raise ValueError(f"No CPR century digit for {birth_date.year}")


def synthetic_cpr(birth_date: date, *, male: bool, rng: random.Random) -> str:
    """A well-formed CPR number for the date and sex, passing modulus-11 when one exists.

    For demo and test data only: the numbers may coincide with real people's, which is why
    generated data never leaves a test or demo installation.
    """
    head = f"{birth_date.day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"
    head_sum = sum(w * int(c) for w, c in zip(_WEIGHTS[:6], head, strict=True))
    digits7 = _century_digits(birth_date)
    for _ in range(200):
        digit7 = rng.choice(digits7)
        serial = rng.randrange(100)
        weighted = head_sum + 4 * digit7 + 3 * (serial // 10) + 2 * (serial % 10)
        last = (-weighted) % 11
        if last == 10 or (last % 2 == 1) != male:
            continue
        return f"{head}{digit7}{serial:02d}{last}"
    # Some dates have few modulus-11 numbers of the wanted sex: fall back to a post-2007 style.
    last = rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    return f"{head}{rng.choice(digits7)}{rng.randrange(100):02d}{last}"
