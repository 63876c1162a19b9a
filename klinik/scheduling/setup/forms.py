"""Form shapes of the schedule's setup screens: they parse what the manager typed; what may
be saved is the services' to say (their refusals come back at the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField, DanishDateTimeField, DanishTimeField
from klinik.core.models import User
from klinik.scheduling.choices import AbsenceKind, ResourceKind, WeekParity

WEEKDAYS = (
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
)
ABSENCE_CHOICES = [
    (kind.value, kind.label)
    for kind in (AbsenceKind.VACATION, AbsenceKind.SICK, AbsenceKind.COURSE, AbsenceKind.OTHER)
]


class UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class ResourceForm(forms.Form):
    """A resource: its kind (when added), name, linked user (practitioners), colour, state."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    user = UserChoiceField(
        label=_("Linked user (practitioners)"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
    )
    colour = forms.CharField(
        label=_("Colour"),
        max_length=7,
        initial="#0b5394",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, users: list[User], adding: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, UserChoiceField)
        user_field.queryset = User.objects.filter(pk__in=[u.pk for u in users]).order_by(
            "first_name", "last_name", "username"
        )
        if adding:
            del self.fields["is_active"]
        else:
            del self.fields["kind"]
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"resource-{name}"


class HoursRowForm(forms.Form):
    """One row of working hours; an empty row is ignored, a ticked "remove" drops the row."""

    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int)
    start = DanishTimeField(label=_("From"))
    end = DanishTimeField(label=_("To"))
    weeks = forms.ChoiceField(
        label=_("Weeks"), choices=WeekParity.choices, initial=WeekParity.EVERY
    )
    valid_from = DanishDateField(label=_("Valid from"), required=False)
    valid_to = DanishDateField(label=_("Valid to"), required=False)


HoursFormSet = forms.formset_factory(HoursRowForm, extra=2, can_delete=True)


class AbsenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Reason"), choices=ABSENCE_CHOICES)
    start = DanishDateTimeField(label=_("From"))
    end = DanishDateTimeField(label=_("To"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"absence-{name}"


class ClosingDaysForm(forms.Form):
    closed_on_public_holidays = forms.BooleanField(
        label=_("Closed on public holidays"), required=False
    )
    closed_optional_days = forms.MultipleChoiceField(
        label=_("Also closed on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, optional_days: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["closed_optional_days"]
        assert isinstance(days, forms.MultipleChoiceField)
        days.choices = [(name, name) for name in optional_days]


class BookingSettingsForm(forms.Form):
    books_on_enter = forms.BooleanField(
        label=_("Book directly on Enter"),
        help_text=_(
            "Enter on a free time books it at once, with an undo for 10 seconds, instead of "
            "a confirm step."
        ),
        required=False,
    )


class ClosureForm(forms.Form):
    """A date or a period the whole unit is closed."""

    first_day = DanishDateField(label=_("From (date)"))
    last_day = DanishDateField(label=_("To (date, included)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"closure-{name}"
