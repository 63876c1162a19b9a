"""Form shapes of the organisation and unit screens; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.choices import UnitKind


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    cvr = forms.CharField(label=_("CVR number"), max_length=20, required=False)
    sor_code = forms.CharField(label=_("SOR code"), max_length=30, required=False)
    provider_number = forms.CharField(
        label=_("Provider number (ydernummer)"), max_length=20, required=False
    )
    gln = forms.CharField(label=_("EAN/GLN location number"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo"),
        help_text=_("PNG or JPEG, at most 512 kB. Used on letters."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    slug = forms.CharField(
        label=_("Online booking address"),
        max_length=60,
        required=False,
        help_text=_("The booking link is /book/<address>/. Empty: made from the name."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    sor_code = forms.CharField(label=_("SOR code"), max_length=30, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
