"""The cover screen's question: which task, on which day."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField


class CoverForm(forms.Form):
    task = forms.ChoiceField(label=_("Task"))
    day = DanishDateField(label=_("Day"))

    def __init__(self, *args: Any, tasks: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["task"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = tasks
