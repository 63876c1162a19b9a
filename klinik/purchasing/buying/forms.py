from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SupplierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    cvr = forms.CharField(label=_("CVR number"), max_length=12, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    customer_number = forms.CharField(label=_("Our customer number"), max_length=40, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
