"""Form shape of the appointment-type screen; the rules (ranges, requirements the unit can
meet) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from klinik.scheduling.choices import Attendance, ResourceKind
from klinik.scheduling.models import AppointmentType, Resource
from klinik.scheduling.types.services import RequirementInput, TypeInput

NEEDS_LABELS = {
    ResourceKind.PRACTITIONER: _("Needs a practitioner"),
    ResourceKind.ROOM: _("Needs a room"),
    ResourceKind.EQUIPMENT: _("Needs equipment"),
}
POOL_HELP = _("None ticked: any of them. Ticked: one of these.")
# Where a service's refusal goes on this form.
ERROR_FIELDS = {f"requirement_{kind}": f"need_{kind}" for kind in ResourceKind.values}


class TypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=15)
    buffer_before_minutes = forms.IntegerField(
        label=_("Buffer before (minutes)"),
        initial=0,
        help_text=_("Time the resources are held before the appointment (preparing the room)."),
    )
    buffer_minutes = forms.IntegerField(
        label=_("Buffer after (minutes)"),
        initial=0,
        help_text=_("Time the resources stay held after the appointment (tidying, notes)."),
    )
    attendance = forms.ChoiceField(
        label=_("Attendance"), choices=Attendance.choices, initial=Attendance.IN_PERSON
    )
    bookable_online = forms.BooleanField(label=_("Bookable online"), required=False)
    is_group = forms.BooleanField(label=_("Group session"), required=False)
    capacity = forms.IntegerField(label=_("Capacity (participants)"), initial=1)
    preparation_text = forms.CharField(
        label=_("Preparation for the patient"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reminder_hours = forms.IntegerField(label=_("Reminder (hours before)"), initial=24)
    colour = forms.CharField(
        label=_("Colour"), initial="#4a90d9", widget=forms.TextInput(attrs={"type": "color"})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, resources: QuerySet[Resource], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in ResourceKind:
            self.fields[f"need_{kind}"] = forms.BooleanField(
                label=NEEDS_LABELS[kind], required=False
            )
            self.fields[f"allowed_{kind}"] = forms.ModelMultipleChoiceField(
                label=_("Which %(kind)s") % {"kind": str(kind.label).lower()},
                queryset=resources.filter(kind=kind),
                to_field_name="public_id",
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=POOL_HELP,
            )

    def requirement_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"need_{kind}"], self[f"allowed_{kind}"]) for kind in ResourceKind]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(("need_", "allowed_"))]

    def type_input(self) -> TypeInput:
        data = self.cleaned_data
        requirements = [
            RequirementInput(kind=kind, allowed=tuple(r.public_id for r in data[f"allowed_{kind}"]))
            for kind in ResourceKind
            if data[f"need_{kind}"]
        ]
        return TypeInput(
            name=data["name"],
            duration_minutes=data["duration_minutes"],
            buffer_minutes=data["buffer_minutes"],
            buffer_before_minutes=data["buffer_before_minutes"],
            attendance=data["attendance"],
            bookable_online=data["bookable_online"],
            is_group=data["is_group"],
            capacity=data["capacity"],
            preparation_text=data["preparation_text"],
            reminder_hours=data["reminder_hours"],
            colour=data["colour"],
            is_active=data["is_active"],
            requirements=requirements,
        )


def type_initial(appointment_type: AppointmentType) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(appointment_type, name)
        for name in (
            "name",
            "duration_minutes",
            "buffer_minutes",
            "buffer_before_minutes",
            "attendance",
            "bookable_online",
            "is_group",
            "capacity",
            "preparation_text",
            "reminder_hours",
            "colour",
            "is_active",
        )
    }
    for requirement in appointment_type.requirements.prefetch_related("allowed"):
        initial[f"need_{requirement.kind}"] = True
        initial[f"allowed_{requirement.kind}"] = [r.public_id for r in requirement.allowed.all()]
    return initial
