"""The dashboard's choice of unit and period (a GET form)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.models import Unit
from klinik.reporting.dashboards.periods import Period, period_choices, period_parse


class DashboardForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    period = forms.CharField(label=_("Period"), max_length=10)

    def __init__(self, *args: Any, units: list[Unit], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = [(str(u.public_id), u.name) for u in units]
        self.fields["unit"].widget.attrs["data-autosubmit"] = ""
        choices = [(p.key, p.label) for p in period_choices(today)]
        self.fields["period"].widget = forms.Select(choices=choices, attrs={"data-autosubmit": ""})
        self.fields["period"].help_text = _("A month (2026-11), a quarter (2026-K4) or a year.")

    def clean_period(self) -> Period:
        period = period_parse(self.cleaned_data["period"], self.today)
        if period is None:
            raise forms.ValidationError(_("Choose a month, a quarter or a year."))
        return period
