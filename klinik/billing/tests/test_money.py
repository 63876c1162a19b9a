from decimal import Decimal as D

import pytest

from klinik.billing.money import decimal_parse, line_amount, money, totals


def test_vat_is_per_rate_on_the_rates_sum_rounded_half_up():
    # Three lines of 0.10 kr. at 25 %: per line 0.025 -> 0.03 each (0.09 in all); on the
    # sum 0.30 * 25 % = 0.075 -> 0.08. The law's way is the sum's.
    sums = totals([(D("0.10"), 25)] * 3 + [(D("450.00"), 0)])
    assert sums.subtotal == D("450.30")
    assert sums.vat == D("0.08")
    assert sums.total == D("450.38")
    assert [(r.rate, r.base, r.vat) for r in sums.by_rate] == [
        (0, D("450.00"), D("0.00")),
        (25, D("0.30"), D("0.08")),
    ]


def test_half_an_ore_rounds_up_and_a_credit_mirrors_it():
    assert money(D("0.005")) == D("0.01")
    assert money(D("-0.005")) == D("-0.01")
    assert money(D("2.675")) == D("2.68")  # a float would give 2.67
    assert line_amount(D("1.5"), D("333.33")) == D("500.00")  # 499.995


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("450", D("450")),
        ("450,50", D("450.50")),
        ("1.234,50", D("1234.50")),
        ("1234.5", D("1234.5")),
    ],
)
def test_amounts_are_read_the_danish_and_the_api_way(text, expected):
    assert decimal_parse(text) == expected


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", "", 1.5, True])
def test_floats_and_non_numbers_are_refused(value):
    assert decimal_parse(value) is None
