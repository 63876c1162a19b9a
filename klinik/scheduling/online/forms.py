"""Form shapes for the public booking pages; the checks of who the visitor is are the
services' (online_identify)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class IdentifyForm(forms.Form):
    given_name = forms.CharField(
        label=gettext_lazy("First name(s)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    cpr = forms.CharField(
        label=gettext_lazy("CPR number"),
        max_length=20,
        help_text=gettext_lazy("As on your health insurance card: DDMMYY-XXXX."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    consent_sms = forms.BooleanField(
        label=gettext_lazy("Yes, send me the confirmation and reminders by SMS"),
        required=False,
    )
    email = forms.CharField(
        label=gettext_lazy("E-mail"),
        max_length=254,
        required=False,
        help_text=gettext_lazy("A phone number or an e-mail address, so we can reach you."),
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    consent_email = forms.BooleanField(
        label=gettext_lazy("Yes, send me the confirmation and reminders by e-mail"),
        required=False,
    )


class OnlineSettingsForm(forms.Form):
    """The manager's settings of one unit's online booking."""

    days_ahead = forms.IntegerField(
        label=gettext_lazy("How far ahead (days)"),
        help_text=gettext_lazy("Patients see free times up to this many days ahead."),
    )
    cancel_hours = forms.IntegerField(
        label=gettext_lazy("Cancellation limit (hours before)"),
        help_text=gettext_lazy("Online cancelling and moving close this many hours before."),
    )
    types = forms.MultipleChoiceField(
        label=gettext_lazy("Appointment types bookable online"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: object, type_choices: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        types = self.fields["types"]
        assert isinstance(types, forms.MultipleChoiceField)
        types.choices = type_choices
