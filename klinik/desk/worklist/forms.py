"""The work queue's filters: kind, person, unit and due. They parse what the desk sent; what
each choice means is the worklist selectors'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.models import Unit, User
from klinik.core.policy import Actor
from klinik.core.worklist import work_kinds
from klinik.worklist.selectors import DUE_LABELS, OFFSET_MAX, Due, WorklistFilter

ALL_UNITS = "all"
ME, NOBODY = "me", "none"


class WorklistFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    person = forms.ChoiceField(label=_("Person"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[(d.value, label) for d, label in DUE_LABELS.items()],
    )
    offset = forms.IntegerField(
        required=False, min_value=0, max_value=OFFSET_MAX, widget=forms.HiddenInput
    )

    def __init__(
        self, *args: Any, actor: Actor, units: list[Unit], people: list[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.units = {str(u.public_id): u for u in units}
        self.people = {str(p.public_id): p for p in people}
        kinds = self.fields["kind"]
        kinds.choices = [("", _("All")), *((k.key, k.label) for k in work_kinds(actor))]  # type: ignore[attr-defined]
        person = self.fields["person"]
        person.choices = [  # type: ignore[attr-defined]
            ("", _("Everyone")),
            (ME, _("Me")),
            (NOBODY, _("Not assigned")),
            *((key, p.get_full_name() or p.username) for key, p in self.people.items()),
        ]
        unit = self.fields["unit"]
        unit.choices = [  # type: ignore[attr-defined]
            *((key, u.name) for key, u in self.units.items()),
            (ALL_UNITS, _("All units")),
        ]
        if actor.unit is not None:
            unit.initial = str(actor.unit.public_id)
        for name in ("kind", "person", "unit", "due"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""

    def selects(self) -> list[dict[str, Any]]:
        """The filters as plain select lists for the template: Django's widget templates
        render each option through the template engine, the slowest part of the page."""
        found = []
        for name in ("kind", "person", "unit", "due"):
            field = self[name]
            current = str(field.value() or "")
            found.append(
                {
                    "name": name,
                    "id": field.id_for_label,
                    "label": field.label,
                    "options": [
                        (str(value), label, str(value) == current)
                        for value, label in self.fields[name].choices  # type: ignore[attr-defined]
                    ],
                }
            )
        return found

    def chosen(self) -> WorklistFilter:
        """The filter the form asks for (the defaults when it does not validate)."""
        if not self.is_bound or not self.is_valid():
            return WorklistFilter()
        data = self.cleaned_data
        person = data.get("person") or ""
        assignee_id: int | None = None
        if person == ME:
            assignee_id = self.actor.user.pk
        elif person in self.people:
            assignee_id = self.people[person].pk
        unit_key = data.get("unit") or ""
        unit_ids: frozenset[int] | None = None
        if unit_key == ALL_UNITS:
            unit_ids = frozenset(u.pk for u in self.units.values())
        elif unit_key in self.units:
            unit_ids = frozenset({self.units[unit_key].pk})
        return WorklistFilter(
            kind=data.get("kind") or "",
            unit_ids=unit_ids,
            assignee_id=assignee_id,
            unassigned_only=person == NOBODY,
            due=Due(data.get("due") or ""),
        )

    def page_offset(self) -> int:
        if not self.is_bound or not self.is_valid():
            return 0
        return int(self.cleaned_data.get("offset") or 0)
