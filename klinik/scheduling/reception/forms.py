"""Form shapes for the reception screens: they parse what the desk sent; what a correction
changes in the register, and what it records, is the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy


class ContactForm(forms.Form):
    """The contact details the patient confirms at the desk (quick correction)."""

    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=gettext_lazy("E-mail"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    address_line = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    postal_code = forms.CharField(
        label=gettext_lazy("Postal code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)

    def __init__(self, *args: Any, protected: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if protected:
            # Name and address protection: the address is not shown at the desk.
            for name in ("address_line", "postal_code", "city"):
                del self.fields[name]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("autocomplete", "off")
            field.widget.attrs["id"] = f"contact-{name}"
