from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField
from klinik.purchasing.choices import ProductKind
from klinik.purchasing.models import Product


class ReceiptForm(forms.Form):
    product = forms.ChoiceField(label=_("Product"))
    lot_number = forms.CharField(label=_("Lot number"), max_length=40)
    expiry = DanishDateField(label=_("Expiry"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100_000)
    location = forms.CharField(label=_("Location"), max_length=100, initial="Lager")

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(p.public_id), p.name) for p in products]


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices)
    unit_name = forms.CharField(label=_("Unit"), max_length=30, initial="stk.")
    atc_code = forms.CharField(label=_("ATC code"), max_length=10, required=False)
    reorder_point = forms.IntegerField(label=_("Reorder point"), min_value=0, initial=0)
