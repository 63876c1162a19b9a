"""Form shapes for the referral and pathway screens: they parse; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateTimeField
from klinik.core.models import Unit
from klinik.pathways.choices import ClinicalArea, Decision, ReferralMode, ReferralPriority
from klinik.pathways.models import PathwayTemplate
from klinik.terminology.selectors import code_choices

END_MODE_PREFIX = "ALAC"  # afslutningsmåde


class ReferralForm(forms.Form):
    """A referral received: the patient by CPR number or name (several hits: choose one)."""

    patient_query = forms.CharField(
        label=_("Patient (CPR number or name)"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    received_at = DanishDateTimeField(label=_("Received (date and time)"))
    referrer_name = forms.CharField(label=_("Referrer"), max_length=200)
    referrer_sor = forms.CharField(label=_("Referrer's SOR code"), max_length=20, required=False)
    referrer_provider_number = forms.CharField(
        label=_("Referrer's ydernummer"), max_length=7, required=False
    )
    reason = forms.CharField(
        label=_("Reason for referral"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    diagnosis = forms.CharField(label=_("Diagnosis (SKS code)"), max_length=20, required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=ReferralPriority.choices, initial=ReferralPriority.PLANLAGT
    )
    mode = forms.ChoiceField(
        label=_("Henvisningsmåde"), choices=ReferralMode.choices, initial=ReferralMode.PAPER
    )
    area = forms.ChoiceField(
        label=_("Area"), choices=ClinicalArea.choices, initial=ClinicalArea.SOMATIC
    )
    rights = forms.MultipleChoiceField(
        label=_("Patient rights"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The right to quick udredning brings the deadline to tell the patient."),
    )
    attachment = forms.FileField(label=_("Scanned letter (PDF or image)"), required=False)

    def __init__(
        self, *args: Any, rights: list[tuple[str, str]], can_attach: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rights"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = rights
        if not can_attach:  # a letter is a record document: only those who write the record
            del self.fields["attachment"]


class VisitationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[("", _("Unchanged")), *ReferralPriority.choices],
        required=False,
    )
    label = forms.ChoiceField(label=_("Pathway label (forløbslabel)"), required=False)
    template = forms.ModelChoiceField(
        label=_("Pathway template (pakkeforløb)"),
        queryset=PathwayTemplate.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("No template"),
    )
    unit = forms.ModelChoiceField(
        label=_("Redirect to unit"),
        queryset=Unit.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label="—",
    )
    reason = forms.CharField(
        label=_("Reason (sent to the referrer on rejection)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        templates: QuerySet[PathwayTemplate],
        labels: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [  # type: ignore[attr-defined]
            ("", _("From the referral's rights or the template")),
            *labels,
        ]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Scanned letter (PDF or image)"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


class MarkerForm(forms.Form):
    code = forms.CharField(
        label=_("Marker (SKS code)"),
        max_length=20,
        widget=forms.TextInput(attrs={"list": "marker-codes", "autocomplete": "off"}),
    )
    at = DanishDateTimeField(label=_("Time"))


class CloseForm(forms.Form):
    ended_at = DanishDateTimeField(label=_("End"))
    end_mode = forms.ChoiceField(label=_("Afslutningsmåde"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The SKS value list (admin.afslutmaade, ALAC…) valid today; the service checks the
        # code again on the end day.
        self.fields["end_mode"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose…")),
            *code_choices(prefix=END_MODE_PREFIX),
        ]


class LinkForm(forms.Form):
    """An appointment or a contact of the patient to put on the pathway."""

    appointment = forms.UUIDField(label=_("Appointment"), required=False)
    contact = forms.UUIDField(label=_("Contact"), required=False)
