"""The documents tab's upload form: shape only; the services check content and rules
(records.documents); core.errors.form_error_add puts a refusal at its field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# A service's field name → the form's field.


class DocumentUploadForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Optional: the file's name is used when empty."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"}
        ),
    )
