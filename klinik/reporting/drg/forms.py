"""The DRG import screen's forms: the file, then the confirmation carrying its text."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.reporting.drg.csvformat import MAX_BYTES


class DrgUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File from the region (CSV)"),
        help_text=_("Semicolon-separated, UTF-8, with the header periode;type;id;drg;dags;takst."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB: split it by month."))
        self.file_name = upload.name
        return bytes(upload.read())


class DrgConfirmForm(forms.Form):
    """The checked file's text and name, sent back to import it."""

    content = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=MAX_BYTES)
    file_name = forms.CharField(widget=forms.HiddenInput, max_length=200)


class DrgYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
