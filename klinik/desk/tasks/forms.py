"""Form shapes for the task screens: they parse what the desk sent; the rules are the task
services'. "Assign to" is one list: the unit, me, a role in the unit, a person."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.choices import Role
from klinik.core.datefields import DanishDateField
from klinik.core.models import Unit, User
from klinik.core.policy import Actor
from klinik.pathways.choices import TaskPriority

UNIT, ME = "unit", "me"
ROLE_PREFIX, USER_PREFIX = "role:", "user:"
# The roles a task is given to in a unit (not the manager's or the system administrator's).
TASK_ROLES = (
    Role.SECRETARY,
    Role.HEALTH_SERVICE_SECRETARY,
    Role.DOCTOR,
    Role.NURSE,
    Role.THERAPIST,
    Role.LAB_TECHNICIAN,
)


class Assignment:
    """What "assign to" chose: a person, a role, or the unit (neither)."""

    def __init__(self, user: User | None = None, role: str = "") -> None:
        self.user = user
        self.role = role


def assign_choices(actor: Actor, people: list[User]) -> list[tuple[Any, Any]]:
    return [
        (UNIT, _("The unit")),
        (ME, _("Me")),
        (
            _("Role in the unit"),
            [(f"{ROLE_PREFIX}{role.value}", role.label) for role in TASK_ROLES],
        ),
        (
            _("Person"),
            [(f"{USER_PREFIX}{p.public_id}", p.get_full_name() or p.username) for p in people],
        ),
    ]


def assignment_of(value: str, actor: Actor, people: list[User]) -> Assignment:
    if value == ME:
        return Assignment(user=actor.user)
    if value.startswith(ROLE_PREFIX):
        return Assignment(role=value.removeprefix(ROLE_PREFIX))
    if value.startswith(USER_PREFIX):
        key = value.removeprefix(USER_PREFIX)
        return Assignment(user=next(p for p in people if str(p.public_id) == key))
    return Assignment()


class _AssignFields(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    assign_to = forms.ChoiceField(label=_("Assign to"))

    def __init__(
        self, *args: Any, actor: Actor, units: list[Unit], people: list[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.people = people
        self.units = {str(u.public_id): u for u in units}
        self.fields["unit"].choices = [(k, u.name) for k, u in self.units.items()]  # type: ignore[attr-defined]
        self.fields["assign_to"].choices = assign_choices(actor, people)  # type: ignore[attr-defined]

    def chosen_unit(self) -> Unit:
        return self.units[self.cleaned_data["unit"]]

    def assignment(self) -> Assignment:
        return assignment_of(self.cleaned_data["assign_to"], self.actor, self.people)


class TaskForm(_AssignFields):
    title = forms.CharField(label=_("Task"), max_length=200)
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    patient_query = forms.CharField(
        label=_("Patient (CPR number or name, optional)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    due = DanishDateField(label=_("Due"), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=TaskPriority.choices,
        coerce=int,
        initial=TaskPriority.NORMAL,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["title", "patient_query", "unit", "assign_to", "due", "priority", "comment"]


class AssignForm(_AssignFields):
    pass


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
