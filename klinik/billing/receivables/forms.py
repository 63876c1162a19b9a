from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField


class ReminderForm(forms.Form):
    fee = forms.CharField(label=_("Reminder fee (kr.)"), max_length=20, initial="100,00")


class CashUpForm(forms.Form):
    day = DanishDateField(label=_("Day"))
