"""The documents tab's upload form: shape only; the services check content and rules
(records.documents). `add_service_error` puts a service's refusal at its field, here and on
the dictation screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.records.errors import RecordError

# A service's field name → the form's field.
_FIELDS = {"file": "file", "audio": "audio", "text": "text"}


def add_service_error(form: forms.Form, exc: RecordError) -> None:
    """Show a service's refusal at its field (or above the form)."""
    field = _FIELDS.get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


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
