"""The template form: the steps as lines "days; step; marker" (the marker optional)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.pathways.setup import PlannedStep

STEPS_HELP = _(
    "One step a line: days after the start; the step; a marker that marks it done (optional). "
    'Example: "6; Første fremmøde; AFV01B".'
)
BAD_LINE = _('Line %(line)d: write "days; step" or "days; step; marker".')


class TemplateForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    label = forms.CharField(label=_("Forløbslabel (SKS code)"), max_length=20, initial="ALAL01")
    steps = forms.CharField(
        label=_("Planned steps"), widget=forms.Textarea(attrs={"rows": 8}), help_text=STEPS_HELP
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_steps(self) -> list[PlannedStep]:
        steps = []
        for number, line in enumerate(self.cleaned_data["steps"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) not in (2, 3) or not parts[0].isdigit() or not parts[1]:
                raise forms.ValidationError(BAD_LINE % {"line": number})
            steps.append(PlannedStep(int(parts[0]), parts[1], parts[2] if len(parts) == 3 else ""))
        return steps
