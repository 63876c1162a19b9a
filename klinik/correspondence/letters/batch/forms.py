from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.correspondence.letters.choices import LetterChannel


class BatchDayForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: object, units: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class BatchSendForm(forms.Form):
    template = forms.ChoiceField(label=_("Template"))
    channel = forms.ChoiceField(
        label=_("Send by"), choices=LetterChannel.choices, initial=LetterChannel.DIGITAL_POST
    )
    title = forms.CharField(label=_("Name of the batch"), max_length=200, required=False)

    def __init__(self, *args: object, templates: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["template"].choices = templates  # type: ignore[attr-defined]
