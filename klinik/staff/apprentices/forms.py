"""Forms of the apprentices' screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField
from klinik.core.models import Membership
from klinik.staff.choices import PeriodKind
from klinik.staff.delegations.forms import MemberChoiceField
from klinik.staff.models import EducationPeriod, PracticeGoal


class PeriodChoiceField(forms.ModelChoiceField[EducationPeriod]):
    def label_from_instance(self, obj: EducationPeriod) -> str:
        return obj.title


class GoalChoiceField(forms.ModelChoiceField[PracticeGoal]):
    def label_from_instance(self, obj: PracticeGoal) -> str:
        return f"{obj.number}. {obj.text}"


class EducationPlanForm(forms.Form):
    apprentice = MemberChoiceField(label=_("Apprentice"), queryset=Membership.objects.none())
    education = forms.CharField(
        label=_("Education"),
        max_length=200,
        help_text=_("For example: Lægesekretær (EUD), Sundhedsservicesekretær (EUD)."),
    )
    starts_on = DanishDateField(label=_("Start"))
    ends_on = DanishDateField(label=_("End"))
    daily_trainer = MemberChoiceField(
        label=_("Daily trainer"),
        queryset=Membership.objects.none(),
        help_text=_("AMU 49998 EUD-Oplæringsvejledning for den daglige oplærer."),
    )
    responsible_trainer = MemberChoiceField(
        label=_("Responsible trainer"),
        queryset=Membership.objects.none(),
        help_text=_("AMU 49995 EUD-Oplæringsvejledning for den uddannelsesansvarlige."),
    )

    def __init__(
        self,
        *args: Any,
        apprentices: QuerySet[Membership],
        members: QuerySet[Membership],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("apprentice", apprentices),
            ("daily_trainer", members),
            ("responsible_trainer", members),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset


class EducationPeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PeriodKind.choices)
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("For example: Praktikperiode 1.")
    )
    starts_on = DanishDateField(label=_("Start"))
    ends_on = DanishDateField(label=_("End"))


class PracticeGoalForm(forms.Form):
    text = forms.CharField(label=_("Practice goal"), max_length=500)
    period = PeriodChoiceField(
        label=_("Period"), queryset=EducationPeriod.objects.none(), required=False
    )

    def __init__(self, *args: Any, periods: QuerySet[EducationPeriod], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = periods


class ProgressNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    goal = GoalChoiceField(
        label=_("About the practice goal"), queryset=PracticeGoal.objects.none(), required=False
    )

    def __init__(self, *args: Any, goals: QuerySet[PracticeGoal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["goal"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = goals
