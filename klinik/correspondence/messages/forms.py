from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.correspondence.messages.choices import CareCategory, PartnerKind


class CareMessageForm(forms.Form):
    """A new CareCommunication: to a partner of the directory, or typed in."""

    partner = forms.ChoiceField(label=_("Recipient from the directory"), required=False)
    recipient_name = forms.CharField(label=_("Recipient's name"), max_length=200, required=False)
    recipient_sor = forms.CharField(label=_("Recipient's SOR id"), max_length=20, required=False)
    recipient_ean = forms.CharField(
        label=_("Recipient's EAN location number"), max_length=13, required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=CareCategory.choices)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    text = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))
    attachment = forms.FileField(
        label=_("Attachment (PDF, JPEG or PNG, at most 5 MB)"), required=False
    )

    def __init__(self, *args: object, partners: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["partner"]
        field.choices = [("", _("— type the recipient below —")), *partners]  # type: ignore[attr-defined]


class ForwardForm(forms.Form):
    partner = forms.ChoiceField(label=_("Forward to"))
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: object, partners: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["partner"].choices = partners  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}))


class MatchSearchForm(forms.Form):
    q = forms.CharField(label=_("Find the patient (CPR number or name)"), max_length=100)


class PartnerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    sor = forms.CharField(label=_("SOR id"), max_length=20)
    ean = forms.CharField(label=_("EAN location number"), max_length=13)
    provider_number = forms.CharField(
        label=_("Provider number (GP clinics)"), max_length=10, required=False
    )


class PartnerImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (kind, name, sor, ean, provider_number)"))
