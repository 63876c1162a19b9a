from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField


class RenewalRegisterForm(forms.Form):
    medication = forms.CharField(label=_("Medication"), max_length=200, required=False)
    request_text = forms.CharField(
        label=_("What the patient asks for"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RenewalPrepareForm(forms.Form):
    medication = forms.CharField(label=_("Medication"), max_length=200)
    dose = forms.CharField(label=_("Dose"), max_length=200)
    pharmacy = forms.CharField(label=_("Pharmacy"), max_length=200, required=False)
    last_renewed_on = DanishDateField(label=_("Last renewed"), required=False)
    doctor = forms.ChoiceField(label=_("Doctor to approve"))
    note = forms.CharField(
        label=_("Note to the doctor"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, doctors: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["doctor"].choices = [("", "---------"), *doctors]  # type: ignore[attr-defined]


class RenewalDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note (required when declining)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
