"""Form shape of the message-template screen; the checks are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.scheduling.reminders import PLACEHOLDERS

PLACEHOLDER_HELP = _("Placeholders: %(names)s.") % {
    "names": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
}


class TemplateForm(forms.Form):
    subject = forms.CharField(
        label=_("E-mail subject"),
        max_length=300,
        required=False,
        help_text=_("Empty: the default subject."),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=PLACEHOLDER_HELP,
    )
