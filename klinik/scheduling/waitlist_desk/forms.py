"""Form shapes for the waiting-list screen: they parse what the desk sent; the rules are the
waitlist services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField, DanishTimeField
from klinik.scheduling.choices import TimeOfDay
from klinik.scheduling.models import AppointmentType, Resource


class _UnitChoices(forms.Form):
    """A form whose type and practitioner lists hold the unit's own."""

    def __init__(
        self,
        *args: Any,
        types: QuerySet[AppointmentType],
        practitioners: QuerySet[Resource],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["practitioner"].queryset = practitioners  # type: ignore[attr-defined]


class FilterForm(_UnitChoices):
    appointment_type = forms.ModelChoiceField(
        label=_("Appointment type"),
        queryset=AppointmentType.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("All"),
    )
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"),
        queryset=Resource.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("All"),
    )


class EntryForm(_UnitChoices):
    """A patient and their wishes. The patient is found by CPR number or name; when several
    match, the desk chooses one of them (`patient`)."""

    patient_query = forms.CharField(
        label=_("Patient (CPR number or name)"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    appointment_type = forms.ModelChoiceField(
        label=_("Appointment type"),
        queryset=AppointmentType.objects.none(),
        to_field_name="public_id",
    )
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"),
        queryset=Resource.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("Any"),
    )
    earliest = DanishDateField(label=_("Earliest"), required=False)
    latest = DanishDateField(label=_("Latest"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays (none: any day)"),
        choices=list(WEEKDAYS.items()),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"), choices=TimeOfDay.choices, initial=TimeOfDay.ANY
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class OfferForm(_UnitChoices):
    """A free time the secretary offers to the list by hand."""

    appointment_type = forms.ModelChoiceField(
        label=_("Appointment type"),
        queryset=AppointmentType.objects.none(),
        to_field_name="public_id",
    )
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"),
        queryset=Resource.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("Any"),
    )
    date = DanishDateField(label=_("Date"))
    time = DanishTimeField(label=_("Time"))
