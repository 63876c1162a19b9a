from django import forms
from django.utils.translation import gettext_lazy as _


class IncomingRegisterForm(forms.Form):
    file = forms.FileField(label=_("The letter or scan (PDF, JPEG or PNG)"))
    sender = forms.CharField(label=_("From"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=200)
    received_on = forms.DateField(
        label=_("Received"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    cpr = forms.CharField(
        label=_("The patient's CPR number (if the letter gives it)"), max_length=11, required=False
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class IncomingFileForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the record"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
