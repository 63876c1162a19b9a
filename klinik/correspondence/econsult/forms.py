from django import forms
from django.utils.translation import gettext_lazy as _


class TriageForm(forms.Form):
    clinician = forms.ChoiceField(label=_("Clinician"))

    def __init__(self, *args: object, clinicians: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["clinician"].choices = [("", "---------"), *clinicians]  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
