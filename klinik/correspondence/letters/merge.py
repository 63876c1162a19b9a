"""A letter template's merge fields: what each means, which a template uses, and filling them.
An unknown field is refused where the template is saved and where a letter is written."""

from __future__ import annotations

import string
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

FIELDS = {
    "patient_name": _("the patient's full name"),
    "patient_first_name": _("the patient's given names"),
    "patient_address": _("the patient's address, postal code and city"),
    "next_appointment": _("the patient's next appointment (time and type)"),
    "appointment": _("the appointment the letter is about (batch letters)"),
    "preparation": _("the template's preparation text"),
    "clinician": _("who writes the letter"),
    "unit": _("the unit"),
    "unit_phone": _("the unit's phone number"),
    "organisation": _("the organisation"),
    "today": _("today's date"),
}


@dataclass(frozen=True)
class MergeProblem(Exception):
    unknown: tuple[str, ...]
    is_malformed: bool = False


def fields_used(text: str) -> set[str]:
    """The merge fields in `text`; MergeProblem when braces do not pair up."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise MergeProblem((), is_malformed=True) from exc


def fields_check(*texts: str) -> None:
    unknown = set()
    for text in texts:
        unknown |= fields_used(text) - FIELDS.keys()
    if unknown:
        raise MergeProblem(tuple(sorted(unknown)))


def fields_fill(text: str, values: dict[str, str]) -> str:
    fields_check(text)
    return text.format_map({name: values.get(name, "") for name in FIELDS})
