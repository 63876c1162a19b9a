"""Money as the invoice law counts it: `Decimal` with two places, never floats; a line's
amount is quantity x unit price rounded half up to whole øre; VAT is computed per rate on the
invoice's sum of that rate's lines, rounded half up to whole øre (not per line)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ORE = Decimal("0.01")
ZERO = Decimal("0.00")
AMOUNT_MAX = Decimal("9999999.99")  # per line, per invoice: a clinic's invoice, not a ship's
QUANTITY_MAX = Decimal("9999")


def money(value: Decimal) -> Decimal:
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def decimal_parse(value: object) -> Decimal | None:
    """A finite Decimal from a string ("1.234,50" and "1234.50" alike), int or Decimal; None
    when it is none. Floats are refused: they carry binary noise into money."""
    if isinstance(value, bool | float):
        return None
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    else:
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if "," in text:  # the Danish way: "." groups thousands, "," is the decimal mark
            text = text.replace(".", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    return number if number.is_finite() else None


def places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return money(quantity * unit_price)


@dataclass(frozen=True)
class VatRow:
    rate: int
    base: Decimal  # the sum of the rate's line amounts
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    vat: Decimal
    total: Decimal
    by_rate: tuple[VatRow, ...]


def totals(lines: Iterable[tuple[Decimal, int]]) -> Totals:
    """The invoice's sums from its lines' (amount, VAT rate in percent)."""
    bases: dict[int, Decimal] = {}
    for amount, rate in lines:
        bases[rate] = bases.get(rate, ZERO) + amount
    rows = tuple(
        VatRow(rate=rate, base=money(base), vat=money(base * rate / 100))
        for rate, base in sorted(bases.items())
    )
    subtotal = money(sum((r.base for r in rows), ZERO))
    vat = money(sum((r.vat for r in rows), ZERO))
    return Totals(subtotal=subtotal, vat=vat, total=subtotal + vat, by_rate=rows)
