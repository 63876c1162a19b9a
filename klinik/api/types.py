"""Input types the endpoints share. A time without a zone is local (Europe/Copenhagen); every
date and time lies in the years a clinic means (1900-2199) and every number is finite and of a
sane size, so out-of-range input (year 1, year 9999, 1e308) is a 422 naming the field, never a
500 from date arithmetic or the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from klinik.scheduling.availability import LOCAL

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
OUT_OF_RANGE = "must lie between the years 1900 and 2199"


def day_in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(OUT_OF_RANGE)
    return value


def moment_local(value: datetime) -> datetime:
    """Aware, local when naive, and within range."""
    day_in_range(value.date())
    return value if value.tzinfo is not None else value.replace(tzinfo=LOCAL)


ApiDate = Annotated[date, AfterValidator(day_in_range)]
ApiDateTime = Annotated[datetime, AfterValidator(moment_local)]
ApiNumber = Annotated[float, Field(ge=-1_000_000, le=1_000_000, allow_inf_nan=False)]


class Out(BaseModel):
    """An answer's shape. Answers are built by the endpoints' own `*_out` functions from typed
    values, never read from ORM objects by attribute: plain pydantic models, without ninja's
    Schema getter, which wrapped every object (and its nested ones) once when built and again
    when the answer was checked, and cost more than the database on a day's list."""
