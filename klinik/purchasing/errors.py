"""Purchasing's refusals."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class StockCode(StrEnum):
    REQUIRED = "required"
    NOT_POSITIVE = "not_positive"
    TOO_LONG = "too_long"
    EXPIRED = "expired"
    LOT_EMPTY = "lot_empty"
    LOT_EXPIRED = "lot_expired"
    BAD_VALUE = "bad_value"
    BAD_CVR = "bad_cvr"
    BAD_COST = "bad_cost"
    NO_LINES = "no_lines"
    TOO_MANY = "too_many"
    ORDER_NOT_DRAFT = "order_not_draft"
    ORDER_NOT_ORDERED = "order_not_ordered"


class StockError(DomainError):
    REQUIRED = _("This field is required.")
    NOT_POSITIVE = _("Must be a whole number more than zero.")
    TOO_LONG = _("At most %(max)d characters.")
    EXPIRED = _("The lot has expired (%(expiry)s): goods past their expiry are not received.")
    LOT_EMPTY = _("Lot %(lot)s is empty in stock: count the stock or choose another lot.")
    LOT_EXPIRED = _("Lot %(lot)s expired on %(expiry)s and must not be given.")
    BAD_VALUE = _("Not a valid choice: %(value)s.")
    BAD_CVR = _("A CVR number is 8 digits.")
    BAD_COST = _("Write the price in kroner with at most two decimals, like 125,50.")
    NO_LINES = _("An order needs at least one line.")
    TOO_MANY = _("At most %(n)d are outstanding on this line.")
    ORDER_NOT_DRAFT = _("Only a draft order can be sent.")
    ORDER_NOT_ORDERED = _("Only an order that is sent can be received.")

    def __init__(self, code: StockCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)


def stock_error(code: StockCode, field: str, **params: object) -> StockError:
    message = getattr(StockError, code.name)
    return StockError(code, message % params if params else message, field=field)
