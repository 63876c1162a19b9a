"""The record's piece of the page shell: the dictation queue's waiting count in the menu."""

from __future__ import annotations

from typing import Any

from django import template

from klinik.records.dictation.selectors import dictation_waiting_count

register = template.Library()


@register.simple_tag(takes_context=True)
def dictations_waiting(context: dict[str, Any]) -> int:
    """Items waiting in the actor's unit (one indexed COUNT); 0 without an actor."""
    actor = context.get("actor")
    return dictation_waiting_count(actor=actor) if actor is not None else 0
