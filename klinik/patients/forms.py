"""Form shapes for the patient screens. The rules (CPR, phone, duplicates) are the services'."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Purpose
from klinik.core.datefields import DanishDateField
from klinik.patients.choices import (
    LANGUAGE_CHOICES,
    ContactChannel,
    InsuranceGroup,
    RelativeRelation,
    Sex,
)


class PatientContactForm(forms.Form):
    """Contact details, preferences and consents: editable on the patient page."""

    given_name = forms.CharField(label=_("Given names"), max_length=200)
    family_name = forms.CharField(label=_("Family name"), max_length=200)
    address_line = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    preferred_channel = forms.ChoiceField(
        label=_("Preferred contact"), choices=ContactChannel.choices
    )
    # Beside the channel: choosing SMS or e-mail asks the consent that lets messages go.
    consent_sms = forms.BooleanField(
        label=_("Consents to SMS"),
        required=False,
        help_text=_("Confirmations and reminders by SMS go only with consent."),
    )
    consent_email = forms.BooleanField(label=_("Consents to e-mail"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    gp_name = forms.CharField(label=_("Own GP"), max_length=200, required=False)
    gp_provider_number = forms.CharField(
        label=_("GP provider number"), max_length=10, required=False
    )
    insurance_group = forms.TypedChoiceField(
        label=_("Health insurance group"), choices=InsuranceGroup.choices, coerce=int
    )
    consent_share_information = forms.BooleanField(
        label=_("Consents to sharing information with other health professionals"),
        required=False,
    )
    is_address_protected = forms.BooleanField(
        label=_("Name and address protection"), required=False
    )
    reception_note = forms.CharField(
        label=_("Note for reception (not clinical)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    CONSENT_NEEDED = {
        ContactChannel.SMS: (
            "consent_sms",
            _(
                "SMS is the preferred contact, but without consent no SMS is sent: ask the "
                "patient and tick the consent, or choose another way of contact."
            ),
        ),
        ContactChannel.EMAIL: (
            "consent_email",
            _(
                "E-mail is the preferred contact, but without consent no e-mail is sent: ask "
                "the patient and tick the consent, or choose another way of contact."
            ),
        ),
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        needed = self.CONSENT_NEEDED.get(cleaned.get("preferred_channel", ""))
        if needed is not None and not cleaned.get(needed[0]):
            self.add_error(needed[0], needed[1])
        return cleaned


class PatientCreateForm(PatientContactForm):
    cpr = forms.CharField(
        label=_("CPR number"),
        max_length=12,
        help_text=_("DDMMYY-XXXX, or a replacement number such as 010190-1AB2."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    sex = forms.ChoiceField(
        label=_("Legal sex"),
        choices=[("", _("From the CPR number")), *Sex.choices],
        required=False,
    )
    allow_similar = forms.BooleanField(
        label=_("Yes, this is another person: create the record"), required=False
    )
    # What is typed for every patient first, in the order it is said (issue 20); the legal
    # sex follows the CPR number and comes after.
    field_order = [
        "cpr",
        "given_name",
        "family_name",
        "address_line",
        "postal_code",
        "city",
        "phone",
        "sex",
    ]


class PatientEditForm(PatientContactForm):
    deceased_date = DanishDateField(label=_("Date of death"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)


class RelativeForm(forms.Form):
    # Shown on the patient page beside the contact form: prefixed so field ids stay unique.
    prefix = "relative"

    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.ChoiceField(label=_("Relation"), choices=RelativeRelation.choices)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    may_be_informed = forms.BooleanField(label=_("May be informed"), required=False)
    is_primary_contact = forms.BooleanField(label=_("Primary contact"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class ChangeNumberForm(ReasonForm):
    new_number = forms.CharField(label=_("New CPR number"), max_length=12)
    field_order = ["new_number", "reason"]


REPORT_PURPOSES = (Purpose.PATIENT_REQUEST, Purpose.QUALITY, Purpose.ADMINISTRATION)


class AccessReportForm(forms.Form):
    """The access report's filters, and why it is opened (logged with the opening)."""

    since = DanishDateField(label=_("From"), required=False)
    until = DanishDateField(label=_("To"), required=False)
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    purpose = forms.ChoiceField(label=_("Why are you opening the report?"))

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person, purpose = self.fields["person"], self.fields["purpose"]
        assert isinstance(person, forms.ChoiceField) and isinstance(purpose, forms.ChoiceField)
        person.choices = [("", _("Everyone")), *people]
        purpose.choices = [(p.value, p.label) for p in REPORT_PURPOSES]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end lies before the start."))
        return data
