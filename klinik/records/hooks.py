"""The record's extension points for the apps above it (core/hooks.py; ADR 0011); records
imports none of them.

- `VACCINATION_RECORDED`: called by `vaccination_record` inside its transaction, after the
  vaccination is written: purchasing draws one unit from the stock lot with that batch number
  (and refuses an expired or empty lot, which rolls the vaccination back).
- `CONTACT_CLOSED`: called when a contact is closed (by `contact_close`, or by the reception
  board finishing its appointment), inside that transaction: billing suggests the contact's
  fee (ydelse). A listener must not refuse the close; the actor may be None (the board).
- `DICTATION_DONE`: a dictation finished (its transcript signed), so that a "Kopi til egen
  læge" can go out (correspondence). Listeners run after the signing's transaction commits,
  each in its own; they must not raise.
- `CONTACT_CHANGED`: what LPR3 reports of a contact changed (its LPR fields, stays, codes, or
  its end), so that reporting re-validates the patient's report. Listeners run after the
  commit; they must not raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction

from klinik.core.hooks import Hook, hook_items

if TYPE_CHECKING:
    from klinik.core.policy import Actor
    from klinik.records.models import Contact, Vaccination

# listener(vaccination, actor): may raise a DomainError (field "batch_number") to refuse it
VaccinationListener = Callable[["Vaccination", "Actor"], None]

VACCINATION_RECORDED: Hook[VaccinationListener] = Hook("vaccination_recorded")

# listener(contact, actor): the contact just closed.
ContactListener = Callable[["Contact", "Actor | None"], None]
CONTACT_CLOSED: Hook[ContactListener] = Hook("contact_closed")


def contact_closed(contact: Contact, actor: Actor | None) -> None:
    for listener in hook_items(CONTACT_CLOSED):
        listener(contact, actor)


# listener(actor, dictation public ids): the dictations just finished by `actor`.
DictationDoneListener = Callable[["Actor", list[str]], None]
DICTATION_DONE: Hook[DictationDoneListener] = Hook("dictation_done")


def dictations_done(actor: Actor, public_ids: list[str]) -> None:
    """Tell the listeners, once the current transaction has committed."""
    if not public_ids:
        return

    def notify() -> None:
        for listener in hook_items(DICTATION_DONE):
            listener(actor, public_ids)

    transaction.on_commit(notify)


# listener(contact, actor): what LPR3 reports of the contact changed (after the commit).
CONTACT_CHANGED: Hook[ContactListener] = Hook("contact_changed")


def contact_changed(contact: Contact, actor: Actor | None) -> None:
    """Tell the listeners once the current transaction has committed."""

    def notify() -> None:
        for listener in hook_items(CONTACT_CHANGED):
            listener(contact, actor)

    transaction.on_commit(notify)
