from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField
from klinik.correspondence.letters.choices import LetterChannel


class CertificateRegisterForm(forms.Form):
    certificate_type = forms.ChoiceField(label=_("Certificate"))
    requester = forms.CharField(label=_("Requested by"), max_length=200)
    requester_reference = forms.CharField(
        label=_("Their reference"), max_length=100, required=False
    )
    received_on = DanishDateField(label=_("Received"))
    due_on = DanishDateField(label=_("Reply by (empty: the type's deadline)"), required=False)

    def __init__(self, *args: object, types: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["certificate_type"].choices = [("", "---------"), *types]  # type: ignore[attr-defined]


class CertificateWriteForm(forms.Form):
    template = forms.ChoiceField(label=_("Letter template"))

    def __init__(self, *args: object, templates: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["template"].choices = templates  # type: ignore[attr-defined]


class CertificateSendForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"), choices=LetterChannel.choices)
