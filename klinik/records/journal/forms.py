"""Form shapes for the journal screens. The rules (who may sign, what a correction needs,
immutability) are the services'; these forms parse what the browser sent and carry the
services' messages back to the field they concern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klinik.core.datefields import DanishDateField
from klinik.core.models import User
from klinik.records.choices import ContactKind, EntryType, PhraseScope
from klinik.records.journal.selectors import user_display_name

PERIOD_ORDER = _("The end of the period is before its start.")

# RecordError.field (the services' and the API's names) → the form field showing the message.
ERROR_FIELDS = {"type": "entry_type", "occurred_at": "occurred_at"}


def signer_choices(users: list[User]) -> list[tuple[str, str]]:
    """The choices for an entry's or a contact's responsible clinician: (public id, name)."""
    return [(str(user.public_id), user_display_name(user)) for user in users]


def chosen_row(value: str, rows: list[Any]) -> Any:
    """The row (of those offered as choices) whose public id the browser sent back, or None."""
    return next((row for row in rows if str(row.public_id) == value), None) if value else None


class JournalFilterForm(forms.Form):
    """The timeline's filters (GET: types, units and staff ids only, never patient data)."""

    type = forms.ChoiceField(label=_("Type"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    author = forms.ChoiceField(label=_("Written by"), required=False)
    since = DanishDateField(
        label=_("From"),
        required=False,
    )
    until = DanishDateField(
        label=_("To"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        types: list[tuple[str, str]],
        units: list[tuple[str, str]],
        authors: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (("type", types), ("unit", units), ("author", authors)):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("All")), *choices]
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"filter-{name}"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", PERIOD_ORDER)
        return data


class EntryForm(forms.Form):
    """The editor: a new entry, or (with `corrects`) a correction of the newest version."""

    entry_type = forms.ChoiceField(label=_("Type"), choices=EntryType.choices)
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    responsible = forms.ChoiceField(
        label=_("Responsible clinician"),
        required=False,
        help_text=_("Signs the entry when someone else writes it."),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Text"),
        required=False,  # the service says what is missing, in the same words as the API
        widget=forms.Textarea(
            attrs={"rows": 18, "spellcheck": "true", "lang": "da", "data-journal-text": ""}
        ),
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=300,
        required=False,
        help_text=_("Who reads the record later sees why the text was changed."),
    )
    draft = forms.UUIDField(required=False, widget=forms.HiddenInput)
    corrects = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        contacts: list[tuple[str, str]],
        responsibles: list[tuple[str, str]],
        correcting: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.correcting = correcting
        contact, responsible = self.fields["contact"], self.fields["responsible"]
        assert isinstance(contact, forms.ChoiceField)
        assert isinstance(responsible, forms.ChoiceField)
        contact.choices = [("", _("No contact")), *contacts]
        responsible.choices = [("", _("Chosen automatically")), *responsibles]
        if correcting:
            # A correction keeps the entry's type, contact and responsible clinician.
            for name in ("entry_type", "contact", "responsible"):
                del self.fields[name]
            # Required, but the service says so (the same message as the API).
            self.fields["reason"].widget.attrs["aria-required"] = "true"
        else:
            del self.fields["reason"]
        if not self.is_bound:
            # The editor opens with the focus in the text; the fields above keep their defaults
            # (Shift+Tab). A refused save focuses the field in error instead.
            self.fields["text"].widget.attrs["autofocus"] = True
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"editor-{name}"


class ContactOpenForm(forms.Form):
    """Open a contact that is not an appointment: a phone call, video or written contact."""

    kind = forms.ChoiceField(
        label=_("Kind of contact"),
        choices=[
            (ContactKind.PHONE, ContactKind.PHONE.label),
            (ContactKind.VIDEO, ContactKind.VIDEO.label),
            (ContactKind.WRITTEN, ContactKind.WRITTEN.label),
        ],
    )
    reason = forms.CharField(label=_("Reason for contact"), max_length=200, required=False)
    responsible = forms.ChoiceField(label=_("Responsible clinician"), required=False)

    def __init__(self, *args: Any, responsibles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        responsible = self.fields["responsible"]
        assert isinstance(responsible, forms.ChoiceField)
        responsible.choices = [("", _("Chosen automatically")), *responsibles]
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"contact-open-{name}"


class NoteTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    entry_type = forms.ChoiceField(label=_("Type"), choices=EntryType.choices)
    headings = forms.CharField(
        label=_("Headings"),
        required=False,
        help_text=_("One per line, e.g. Subjektivt:"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    whole_organisation = forms.BooleanField(label=_("For the whole organisation"), required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=0)

    def __init__(self, *args: Any, prefix_id: str = "template", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"{prefix_id}-{name}"

    def headings_list(self) -> list[str]:
        return (self.cleaned_data.get("headings") or "").splitlines()


class PhraseForm(forms.Form):
    shortcut = forms.CharField(
        label=_("Shortcut"),
        max_length=20,
        required=False,
        help_text=_("Starts with a full stop, e.g. .bt"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        help_text=_(
            "Merge fields: {fornavn} the patient's first name, {dato} today's date, "
            "{behandler} your own name."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    scope = forms.ChoiceField(label=_("For"), choices=PhraseScope.choices)

    def __init__(
        self,
        *args: Any,
        prefix_id: str = "phrase",
        scopes: list[PhraseScope] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        scope = self.fields["scope"]
        assert isinstance(scope, forms.ChoiceField)
        offered = scopes if scopes is not None else list(PhraseScope)
        scope.choices = [(s.value, s.label) for s in offered]
        if len(offered) == 1:
            scope.widget = forms.HiddenInput()
            scope.initial = offered[0].value
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"{prefix_id}-{name}"
