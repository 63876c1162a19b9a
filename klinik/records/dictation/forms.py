"""Forms of the dictation queue: shape only; the services check content and rules
(records.dictation). A refusal goes to its field with core.errors.form_error_add."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateTimeField
from klinik.core.models import Unit, User
from klinik.records.choices import DictationPriority, DictationStatus


class DictationForm(forms.Form):
    """A new dictation. Fields before the file: an oversized upload stops reading there."""

    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=DictationPriority.choices,
        initial=DictationPriority.NORMAL,
        widget=forms.RadioSelect,
    )
    deadline = DanishDateTimeField(
        label=_("Deadline"),
        required=False,
        help_text=_("Empty: urgent 4 hours, normal 2 working days, low 5 working days."),
    )
    instructions = forms.CharField(
        label=_("Instructions for the secretary"),
        max_length=300,
        required=False,
    )
    copy_to_gp = forms.BooleanField(
        label=_("Copy to own GP"),
        required=False,
        help_text=_("When the transcript is signed, it goes to the patient's own GP (MedCom)."),
    )
    text = forms.CharField(
        label=_("Typed draft"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Type the note instead of (or as well as) recording it."),
    )
    duration = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    audio = forms.FileField(
        label=_("Sound file"),
        required=False,
        help_text=_("WAV, MP3, Ogg/Opus, M4A/AAC or WebM, or record it here."),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*"}),
    )


class DictationFilterForm(forms.Form):
    """The queue's filters (GET: unit, author and status ids only, never patient data)."""

    ALL = "all"
    ME = "me"

    unit = forms.ChoiceField(label=_("Unit"), required=False)
    author = forms.ChoiceField(label=_("Dictated by"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, units: list[Unit], authors: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit, author, status = self.fields["unit"], self.fields["author"], self.fields["status"]
        assert isinstance(unit, forms.ChoiceField)
        assert isinstance(author, forms.ChoiceField)
        assert isinstance(status, forms.ChoiceField)
        unit.choices = [("", _("My unit")), (self.ALL, _("All units"))] + [
            (str(u.public_id), u.name) for u in units
        ]
        author.choices = [("", _("Everyone")), (self.ME, _("Me"))] + [
            (str(u.public_id), u.get_full_name() or u.username) for u in authors
        ]
        status.choices = [
            ("", _("Open (waiting or being transcribed)")),
            *DictationStatus.choices,
        ]


class DictationTextForm(forms.Form):
    text = forms.CharField(label=_("Transcript"), required=False, widget=forms.Textarea)


class DictationCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)
