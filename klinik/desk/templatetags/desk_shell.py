"""The desk's pieces of the page shell."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_SHORTCUTS: dict[str, SafeString] = {}


@register.simple_tag
def shortcuts_table() -> SafeString:
    """The keyboard-shortcut dialog's table. It is the same on every page in a language (its
    forty translated lines cost a quarter of a millisecond on every page), so it is rendered
    once per language and process; under DEBUG every time, so that edits show."""
    language = get_language() or ""
    table = _SHORTCUTS.get(language)
    if table is None or settings.DEBUG:
        table = _SHORTCUTS[language] = render_to_string("desk/_shortcuts_table.html")
    return table
