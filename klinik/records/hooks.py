"""Hooks the record offers the apps above it (correspondence): a dictation finished — its
transcript signed — so that a "Kopi til egen læge" can go out without records importing them.
Listeners run after the signing's transaction commits, each in its own; they must not raise."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction

from klinik.core.hooks import Hook, hook_items

if TYPE_CHECKING:
    from klinik.core.policy import Actor

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
