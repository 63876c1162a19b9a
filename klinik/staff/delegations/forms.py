"""Forms of the delegation register and the instructions library."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from klinik.core.choices import Role
from klinik.core.datefields import DanishDateField
from klinik.core.models import Membership, Unit
from klinik.staff.choices import DelegatedTask
from klinik.staff.models import Instruction


class MemberChoiceField(forms.ModelChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        name = obj.user.get_full_name() or obj.user.username
        return f"{name} ({obj.get_role_display()}, {obj.unit})"


class DelegationForm(forms.Form):
    delegate = MemberChoiceField(
        label=_("To a person"),
        queryset=Membership.objects.none(),
        required=False,
        help_text=_("Or leave it empty and choose a role in a unit."),
    )
    delegate_role = forms.ChoiceField(
        label=_("Or to a role"), choices=[("", "—"), *Role.choices], required=False
    )
    unit = forms.ModelChoiceField(
        label=_("in the unit"), queryset=Unit.objects.none(), required=False
    )
    task = forms.ChoiceField(label=_("Task"), choices=DelegatedTask.choices)
    instruction = forms.ModelChoiceField(
        label=_("Under the instruction"), queryset=Instruction.objects.none()
    )
    valid_from = DanishDateField(label=_("Valid from"))
    valid_to = DanishDateField(label=_("Valid to"), required=False)
    review_on = DanishDateField(label=_("Review date"), required=False)

    def __init__(
        self,
        *args: Any,
        members: QuerySet[Membership],
        units: QuerySet[Unit],
        instructions: QuerySet[Instruction],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        delegate = self.fields["delegate"]
        unit = self.fields["unit"]
        instruction = self.fields["instruction"]
        assert isinstance(delegate, forms.ModelChoiceField)
        assert isinstance(unit, forms.ModelChoiceField)
        assert isinstance(instruction, forms.ModelChoiceField)
        delegate.queryset = members
        unit.queryset = units
        instruction.queryset = instructions


class InstructionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    valid_from = DanishDateField(label=_("Valid from"))
    review_on = DanishDateField(label=_("Review date"), required=False)


class InstructionVersionForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    valid_from = DanishDateField(label=_("Valid from"))


class RevokeForm(forms.Form):
    revoked_on = DanishDateField(
        label=_("Revoked from"), help_text=_("The delegation holds on the days before.")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.Form):
    review_on = DanishDateField(
        label=_("Next review date"),
        required=False,
        help_text=_("Empty: no further review date."),
    )
