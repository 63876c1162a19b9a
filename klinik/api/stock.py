"""Stock over REST (issue 16 item 8): goods received with lot and expiry, and the quantities
per lot of a product."""

from __future__ import annotations

import uuid
from datetime import date

from ninja import Field, Router, Schema

from klinik.api.types import ApiDate
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.purchasing.models import Lot
from klinik.purchasing.selectors import product_access, stock_lots
from klinik.purchasing.services import receipt_register

router = Router(tags=["stock"])


class ReceiptIn(Schema):
    product: uuid.UUID
    lot: str = Field(..., max_length=40)
    expiry: ApiDate
    quantity: int = Field(..., description="whole units received, more than zero")
    location: str = Field(default="Lager", max_length=100)


class LotOut(Schema):
    id: uuid.UUID
    product: uuid.UUID
    product_name: str
    lot: str
    expiry: date
    location: str
    quantity: int


def _lot_out(lot: Lot) -> LotOut:
    return LotOut(
        id=lot.public_id,
        product=lot.product.public_id,
        product_name=lot.product.name,
        lot=lot.lot_number,
        expiry=lot.expiry,
        location=lot.location.name,
        quantity=lot.quantity,
    )


@router.post("/stock/receipts", response={201: LotOut}, summary="Register goods received")
def receipt_create_endpoint(request: ApiRequest, payload: ReceiptIn) -> tuple[int, LotOut]:
    """`quantity` units of `product`'s lot into stock; answers the lot with its quantity now.
    An expired lot, a quantity of zero or less: 422 naming the field."""
    product = product_access(actor=request.auth, public_id=payload.product)
    lot = receipt_register(
        actor=request.auth,
        product=product,
        lot_number=payload.lot,
        expiry=payload.expiry,
        quantity=payload.quantity,
        location_name=payload.location,
        channel=Channel.API,
    )
    return 201, _lot_out(lot)


@router.get("/stock", response=list[LotOut], summary="Quantities per lot")
def stock_endpoint(request: ApiRequest, product: uuid.UUID | None = None) -> list[LotOut]:
    """Lots in stock (quantity above zero), of one product or all."""
    chosen = product_access(actor=request.auth, public_id=product) if product else None
    return [_lot_out(lot) for lot in stock_lots(actor=request.auth, product=chosen)]
