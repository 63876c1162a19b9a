"""Form shapes for the coding, measurement and vaccination screens. The rules (valid codes,
plausible values, one main diagnosis) are the services'; these forms parse what was sent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField, DanishDateTimeField
from klinik.core.models import User
from klinik.records.choices import (
    DiagnosisKind,
    MeasurementKind,
    VaccinationSite,
    WarningKind,
    WarningSeverity,
)
from klinik.records.models import Contact


def _picker(kind: str, *, submit_on_pick: bool) -> dict[str, str]:
    attrs = {
        "autocomplete": "off",
        "spellcheck": "false",
        "role": "combobox",
        "aria-expanded": "false",
        "aria-autocomplete": "list",
        "data-code-input": kind,
        "class": "code-input",
    }
    if submit_on_pick:
        attrs["data-submit-on-pick"] = ""
    return attrs


class DiagnosisForm(forms.Form):
    code = forms.CharField(
        label=_("Diagnosis (code or text)"),
        max_length=100,
        widget=forms.TextInput(attrs=_picker("diagnosis", submit_on_pick=True)),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DiagnosisKind.choices)
    replace_main = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ProcedureForm(forms.Form):
    code = forms.CharField(
        label=_("Procedure (code or text)"),
        max_length=100,
        widget=forms.TextInput(attrs=_picker("procedure", submit_on_pick=True)),
    )


class CodeRemoveForm(forms.Form):
    code = forms.CharField(max_length=20)


class ProcedureRemoveForm(forms.Form):
    procedure = forms.IntegerField(min_value=1)


class ProblemForm(forms.Form):
    code = forms.CharField(
        label=_("Diagnosis code (optional)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs=_picker("diagnosis", submit_on_pick=False)),
    )
    text = forms.CharField(label=_("Problem"), max_length=200, required=False)
    onset = DanishDateField(
        label=_("Onset"),
        required=False,
    )


class WarningForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=WarningKind.choices)
    text = forms.CharField(
        label=_("Warning"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. penicillin")}),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=WarningSeverity.choices, initial=WarningSeverity.HIGH
    )
    code = forms.CharField(label=_("ATC code (optional)"), max_length=10, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class MeasurementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measurement"), choices=MeasurementKind.choices)
    # Text, not a number field: the services parse "72,5" and "72.5" alike and name the range.
    value = forms.CharField(
        label=_("Value (systolic for blood pressure)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "required": True}
        ),
    )
    value2 = forms.CharField(
        label=_("Diastolic (blood pressure only)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    measured_at = DanishDateTimeField(
        label=_("Measured (empty: now)"),
        required=False,
    )


class VaccinationForm(forms.Form):
    # Not required here: the service's message says why the field matters (the batch number
    # must be journaled); the browser still asks for it first.
    vaccine = forms.CharField(
        label=_("Vaccine"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"required": True}),
    )
    atc_code = forms.CharField(label=_("ATC code (optional)"), max_length=10, required=False)
    batch_number = forms.CharField(
        label=_("Batch number (lot)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}),
    )
    dose = forms.CharField(
        label=_("Dose"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 0,5 ml"), "required": True}),
    )
    site = forms.ChoiceField(label=_("Site"), choices=VaccinationSite.choices)
    given_on = DanishDateField(
        label=_("Date given"),
    )
    given_by = forms.ChoiceField(label=_("Given by"))

    def __init__(self, *args: Any, vaccinators: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        given_by = self.fields["given_by"]
        assert isinstance(given_by, forms.ChoiceField)
        given_by.choices = [
            (str(u.public_id), u.get_full_name() or u.get_username()) for u in vaccinators
        ]
        self.fields["given_on"].initial = timezone.localdate()
        self._vaccinators = {str(u.public_id): u for u in vaccinators}

    def given_by_user(self) -> User | None:
        return self._vaccinators.get(self.cleaned_data.get("given_by", ""))


# Built for a page: ids unique per contact, the code picker wired to its search ---------------


def _picker_attrs(form: Any, field: str, kind: str, hits_id: str) -> None:
    form.fields[field].widget.attrs.update(
        {
            "hx-post": reverse("record_code_search", args=[kind]),
            "hx-trigger": "input changed delay:150ms",
            "hx-target": f"#{hits_id}",
            # Explicit: the form around it swaps outerHTML, and htmx inherits attributes.
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "aria-controls": hits_id,
        }
    )


def diagnosis_form(contact: Contact, data: Any = None) -> DiagnosisForm:
    """A contact's diagnosis form, its ids unique on the page, with the code picker."""
    key = contact.public_id.hex[:12]
    has_main = getattr(contact, "has_main", False)
    form = DiagnosisForm(
        data,
        auto_id=f"dx-{key}-%s",
        initial={"kind": DiagnosisKind.SECONDARY if has_main else DiagnosisKind.MAIN},
    )
    _picker_attrs(form, "code", "diagnosis", f"dx-{key}-hits")
    return form


def procedure_form(contact: Contact, data: Any = None) -> ProcedureForm:
    key = contact.public_id.hex[:12]
    form = ProcedureForm(data, auto_id=f"px-{key}-%s")
    _picker_attrs(form, "code", "procedure", f"px-{key}-hits")
    return form


def problem_form(data: Any = None) -> ProblemForm:
    form = ProblemForm(data, auto_id="problem-%s")
    _picker_attrs(form, "code", "diagnosis", "problem-hits")
    return form


def warning_form(data: Any = None) -> WarningForm:
    return WarningForm(data, auto_id="warning-%s")


class LprChoices:
    """The three value lists of the LPR form, read once per page (not once per contact)."""

    def __init__(
        self,
        *,
        types: list[tuple[str, str]],
        priorities: list[tuple[str, str]],
        reasons: list[tuple[str, str]],
    ) -> None:
        self.types, self.priorities, self.reasons = types, priorities, reasons


class ContactLprForm(forms.Form):
    """The contact's LPR3 fields; "" keeps the default shown in the first option."""

    lpr_type = forms.ChoiceField(label=_("Contact type (LPR)"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    reason = forms.ChoiceField(label=_("Reason for contact (kontaktårsag)"), required=False)


def contact_lpr_form(contact: Contact, choices: LprChoices, data: Any = None) -> ContactLprForm:
    key = contact.public_id.hex[:12]
    form = ContactLprForm(
        data,
        auto_id=f"lpr-{key}-%s",
        initial={
            "lpr_type": contact.lpr_type,
            "priority": contact.lpr_priority,
            "reason": contact.lpr_reason,
        },
    )
    default = _("Default: %(code)s")
    form.fields["lpr_type"].choices = [  # type: ignore[attr-defined]
        ("", default % {"code": contact.lpr_contact_type}),
        *choices.types,
    ]
    form.fields["priority"].choices = [  # type: ignore[attr-defined]
        ("", default % {"code": contact.lpr_contact_priority}),
        *choices.priorities,
    ]
    form.fields["reason"].choices = [("", _("None")), *choices.reasons]  # type: ignore[attr-defined]
    return form


class StayForm(forms.Form):
    """An opholdsadresse: the unit and the period."""

    unit = forms.ChoiceField(label=_("Unit"))
    started_at = DanishDateTimeField(label=_("From"))
    ended_at = DanishDateTimeField(label=_("To"), required=False)


def stay_form(contact: Contact, units: list[tuple[str, str]], data: Any = None) -> StayForm:
    key = contact.public_id.hex[:12]
    form = StayForm(
        data,
        auto_id=f"stay-{key}-%s",
        initial={
            "unit": str(contact.unit_id),
            "started_at": timezone.localtime(contact.started_at),
            "ended_at": timezone.localtime(contact.ended_at) if contact.ended_at else None,
        },
    )
    form.fields["unit"].choices = units  # type: ignore[attr-defined]
    return form


class StayRemoveForm(forms.Form):
    stay = forms.IntegerField()
