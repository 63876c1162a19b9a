"""Form shapes for the invoice screens: they parse; the rules are billing's services (amounts
stay text here, so that the service's refusal names the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.billing.choices import PaymentMethod
from klinik.billing.models import PriceItem
from klinik.core.datefields import DanishDateField

LINE_ROWS = 5
VAT_CHOICES = [("0", _("0 % (treatment, VAT-exempt)")), ("25", _("25 %"))]


class InvoiceForm(forms.Form):
    """An invoice by hand: the patient by CPR number or name, up to five lines, each typed or
    taken from the price list."""

    patient_query = forms.CharField(
        label=_("Patient (CPR number or name)"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    due_on = DanishDateField(label=_("Due date"), required=False)
    note = forms.CharField(label=_("Note on the invoice"), max_length=500, required=False)

    def __init__(self, *args: Any, prices: list[PriceItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prices = {str(p.public_id): p for p in prices}
        price_choices = [("", "—")] + [
            (str(p.public_id), f"{p.name} ({p.unit_price} kr.)") for p in prices
        ]
        for row in range(LINE_ROWS):
            number = row + 1
            self.fields[f"price_{row}"] = forms.ChoiceField(
                label=_("Line %(n)d: from the price list") % {"n": number},
                choices=price_choices,
                required=False,
            )
            self.fields[f"text_{row}"] = forms.CharField(
                label=_("Line %(n)d: text") % {"n": number}, max_length=200, required=False
            )
            self.fields[f"quantity_{row}"] = forms.CharField(
                label=_("Quantity"), max_length=20, required=False, initial="1"
            )
            self.fields[f"unit_price_{row}"] = forms.CharField(
                label=_("Unit price (kr.)"), max_length=20, required=False
            )
            self.fields[f"vat_rate_{row}"] = forms.ChoiceField(
                label=_("VAT"), choices=VAT_CHOICES, initial="0"
            )

    def line_rows(self) -> list[list[forms.BoundField]]:
        names = ("price", "text", "quantity", "unit_price", "vat_rate")
        return [[self[f"{name}_{row}"] for name in names] for row in range(LINE_ROWS)]


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount (kr.)"), max_length=20)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    paid_on = DanishDateField(label=_("Date"))


class PriceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    unit_price = forms.CharField(label=_("Price (kr.)"), max_length=20)
    vat_rate = forms.ChoiceField(label=_("VAT"), choices=VAT_CHOICES, initial="0")
    appointment_type = forms.ChoiceField(label=_("For appointment type"), required=False)
    is_no_show_fee = forms.BooleanField(label=_("No-show fee"), required=False)

    def __init__(self, *args: Any, types: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["appointment_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(str(pk), name) for pk, name in types]
