"""Form shapes for the calendar screens. Rules (hours, double booking, transitions) are the
services'; these forms only parse what the browser sent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField, DanishDateInput, DanishTimeField

SCOPE_CHOICES = [
    ("one", _("Only this one")),
    ("following", _("This and the following")),
    ("all", _("All still to come")),
]
WEEKDAY_CHOICES = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
GRID_CHOICES = [(15, _("15 minutes")), (5, _("5 minutes"))]
TIME_OF_DAY_CHOICES = [
    ("", _("Any time of day")),
    ("morning", _("Morning (before 12)")),
    ("afternoon", _("Afternoon (from 12)")),
]


class CalendarForm(forms.Form):
    """What the calendar shows: unit, day, resources, grid. GET: no patient data in here."""

    unit = forms.ChoiceField(
        label=_("Unit"), required=False, widget=forms.Select(attrs={"data-autosubmit": ""})
    )
    date = DanishDateField(
        label=_("Date"), required=False, widget=DanishDateInput(attrs={"data-date-jump": ""})
    )
    r = forms.MultipleChoiceField(
        label=_("Show"), required=False, widget=forms.CheckboxSelectMultiple
    )
    grid = forms.TypedChoiceField(
        label=_("Grid"),
        choices=GRID_CHOICES,
        coerce=int,
        required=False,
        empty_value=15,  # type: ignore[arg-type]  # the stubs allow only str; any value works
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    cancelled = forms.BooleanField(label=_("Show cancelled"), required=False)

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]],
        resources: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        unit, shown = self.fields["unit"], self.fields["r"]
        assert isinstance(unit, forms.ChoiceField)
        assert isinstance(shown, forms.ChoiceField)
        unit.choices = units
        shown.choices = resources


class BookingForm(forms.Form):
    """The booking panel's state, posted back on every step (patient, type, options, time).

    The buttons that pick something use their own names (pick_patient, pick_type, pick_slot)
    so the hidden field holding the current choice never competes with them.
    """

    unit = forms.UUIDField(required=False, widget=forms.HiddenInput)
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    pick_patient = forms.UUIDField(required=False)
    q = forms.CharField(
        label=_("Search patient (CPR, name or phone)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    appointment_type = forms.UUIDField(required=False, widget=forms.HiddenInput)
    pick_type = forms.UUIDField(required=False)
    practitioner = forms.ChoiceField(label=_("Practitioner"), required=False)
    # A room (or equipment) the type needs, chosen instead of the schedule's choice.
    room = forms.ChoiceField(label=_("Room"), required=False)
    from_date = DanishDateField(label=_("From"), required=False)
    time_of_day = forms.ChoiceField(
        label=_("Time of day"), choices=TIME_OF_DAY_CHOICES, required=False
    )
    after = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    same_as = forms.UUIDField(required=False, widget=forms.HiddenInput)
    resource = forms.UUIDField(required=False, widget=forms.HiddenInput)
    start_date = DanishDateField(label=_("Date"), required=False)
    start_time = DanishTimeField(label=_("Time"), required=False)
    pick_slot = forms.CharField(required=False, max_length=80)
    note = forms.CharField(
        label=_("Note for the appointment"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    overbook = forms.BooleanField(label=_("Book anyway (double-book on purpose)"), required=False)
    # Repeat (a series): every N weeks, on chosen weekdays, a number of times or until a date.
    every_weeks = forms.IntegerField(label=_("Every (number of weeks)"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    count = forms.IntegerField(label=_("Number of times"), required=False)
    until = DanishDateField(label=_("Until (last date)"), required=False)
    action = forms.CharField(required=False, max_length=20)

    def __init__(
        self,
        *args: Any,
        practitioners: list[tuple[str, str]],
        rooms: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        practitioner, room = self.fields["practitioner"], self.fields["room"]
        assert isinstance(practitioner, forms.ChoiceField)
        assert isinstance(room, forms.ChoiceField)
        practitioner.choices = [("", _("Any practitioner")), *practitioners]
        room.choices = [("", _("Any free room")), *(rooms or [])]


class MoveForm(forms.Form):
    """Move an appointment to a date and time, optionally to another practitioner or room."""

    date = DanishDateField(label=_("New date"))
    time = DanishTimeField(label=_("New time"))
    resource = forms.ChoiceField(label=_("Practitioner"), required=False)
    room = forms.ChoiceField(label=_("Room"), required=False)
    scope = forms.ChoiceField(
        label=_("Which appointments"),
        choices=SCOPE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    notify = forms.BooleanField(label=_("Notify the patient"), required=False)
    # Drag and drop: the column the block was dropped on (a practitioner, a room the
    # appointment already holds, or another room its type can use).
    column = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        resources: list[tuple[str, str]],
        rooms: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        resource, room = self.fields["resource"], self.fields["room"]
        assert isinstance(resource, forms.ChoiceField)
        assert isinstance(room, forms.ChoiceField)
        resource.choices = [("", _("Keep the practitioner")), *resources]
        room.choices = [("", _("Any free room")), *(rooms or [])]


CANCEL_REASONS = [
    ("patient", _("Cancelled by the patient")),
    ("clinic", _("The clinic cancels")),
    ("other", _("Other reason")),
]


class CancelForm(forms.Form):
    """Cancel: a reason from a short list (the patient's own cancellation is the default, so
    Enter confirms), or another reason typed; whether the patient is told (ADR 0034)."""

    reason = forms.ChoiceField(
        label=_("Reason for cancelling"),
        choices=CANCEL_REASONS,
        initial="patient",
        widget=forms.RadioSelect,
        error_messages={"required": _("State a reason."), "invalid_choice": _("State a reason.")},
    )
    reason_text = forms.CharField(
        label=_("The reason"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    notify = forms.BooleanField(label=_("Notify the patient"), required=False)
    # For an occurrence of a series: only it, it and the following ones, or all to come.
    scope = forms.ChoiceField(
        label=_("Which appointments"),
        choices=SCOPE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        choice = cleaned.get("reason")
        text = (cleaned.get("reason_text") or "").strip()
        if choice == "other":
            if not text:
                self.add_error("reason_text", forms.ValidationError(_("State a reason.")))
            cleaned["reason_label"] = text
        elif choice:
            cleaned["reason_label"] = str(dict(CANCEL_REASONS)[choice])
        return cleaned
