"""Checks several rule groups share: SOR units' validity over a period, times in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from klinik.reporting.lpr3.engine import Context


def sor_unknown(ctx: Context, sor_code: str | None) -> bool:
    """No unit with this SOR code (or none given): the xx.41 rules."""
    return ctx.sor(sor_code) is None


def sor_invalid_at(ctx: Context, sor_code: str | None, at: datetime | None) -> bool:
    """A known unit not valid at `at` (the xx.42 and xx.44 rules); unknown units and missing
    times are other rules' findings."""
    span = ctx.sor(sor_code)
    return span is not None and at is not None and not span.contains(ctx.day(at))


def sor_closed_before(ctx: Context, sor_code: str | None, slut: datetime | None) -> bool:
    """The unit has closed, and the period does not end by its closing day (the xx.43 rules)."""
    span = ctx.sor(sor_code)
    if span is None or span.end is None:
        return False
    return slut is None or ctx.day(slut) > span.end


def ends_before_start(start: datetime | None, slut: datetime | None) -> bool:
    """An end that is not after the start (both given)."""
    return start is not None and slut is not None and slut <= start


def nonempty(*paths: str | None) -> Iterator[str]:
    return (p for p in paths if p)


def invalid_at(ctx: Context, code: str | None, at: datetime | None) -> bool:
    """A code given, at a known time, that is not valid then (unknown codes included)."""
    return code is not None and at is not None and not ctx.is_valid(code, at)


def after(later: datetime | None, earlier: datetime | None) -> bool:
    """Both times given and the first after the second."""
    return later is not None and earlier is not None and later > earlier
