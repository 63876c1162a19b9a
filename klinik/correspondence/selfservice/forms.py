from django import forms
from django.utils.translation import gettext_lazy as _


class SelfRenewalForm(forms.Form):
    medication = forms.CharField(label=_("Medication to renew"), max_length=200)
    request_text = forms.CharField(
        label=_("Anything the clinic should know (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SelfMessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(
        label=_("Your message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
