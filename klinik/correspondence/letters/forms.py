from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.correspondence.letters.choices import LetterChannel, LetterKind


class LetterForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}))


class LetterSendForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"), choices=LetterChannel.choices)


class LetterTemplateForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=LetterKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}))
    preparation = forms.CharField(
        label=_("Preparation (for invitations)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: object, units: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["unit"]
        field.choices = [("", _("The whole organisation")), *units]  # type: ignore[attr-defined]
