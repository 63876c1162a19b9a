"""The desk's pieces of the page shell."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template import Context
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from klinik.records.dictation.selectors import dictation_waiting_count

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


# The main menu per (language, permissions, screen); a few hundred at most in a process.
_NAVS: dict[tuple[str, frozenset[str], str], SafeString] = {}
_NAVS_MAX = 2048
_WAITING_MARK = "<!--dictations-waiting-->"


@register.simple_tag(takes_context=True)
def main_nav(context: Context) -> SafeString:
    """The main menu. It is the same for everyone with the same permissions, in the same
    language, on the same screen (its thirty links and translations cost 2 to 3 ms a page), so
    it is rendered once per such three and process (under DEBUG every time); only the count
    of waiting dictations is put in per page (one indexed COUNT)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name if match is not None else None) or ""
    held: dict[str, bool] = context.get("perms_held") or {}
    key = (get_language() or "", frozenset(held), url_name)
    nav = _NAVS.get(key)
    if nav is None or settings.DEBUG:
        if len(_NAVS) >= _NAVS_MAX:
            _NAVS.clear()
        nav = _NAVS[key] = render_to_string(
            "desk/_main_nav.html", {"perms_held": held, "url_name": url_name}
        )
    actor = context.get("actor")
    if _WAITING_MARK not in nav or actor is None:
        return nav
    waiting = dictation_waiting_count(actor=actor)
    badge = (
        format_html(' <span class="badge" id="nav-dictations-waiting">{}</span>', waiting)
        if waiting
        else ""
    )
    return mark_safe(nav.replace(_WAITING_MARK, badge))  # noqa: S308  (both parts escaped)
