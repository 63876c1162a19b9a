"""One registry for the extension points between apps (ADR 0008, ADR 0011).

A lower app declares a hook: a typed name (`Hook[T]`) for what it will call. A higher app,
which the lower one may not import, registers its part at start-up (`AppConfig.ready`). The
lower app asks `hook_items(hook)` and calls each item in registration order. Not Django
signals: the call is explicit, a failing item fails the caller, the same item registered twice
is kept once, and grep finds every hook and every registration.

    PATIENT_PARTS: Hook[PatientPart] = Hook("patient_parts")      # patients/hooks.py
    hook_register(PATIENT_PARTS, appointments_part)                 # scheduling/apps.py
    for part in hook_items(PATIENT_PARTS): ...                      # patients/services.py
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")

_declared: set[str] = set()


class Hook(Generic[T]):
    """A named extension point; the type parameter is what its items are."""

    __slots__ = ("items", "name")

    def __init__(self, name: str) -> None:
        if name in _declared:
            raise ValueError(f"hook {name!r} is declared twice")
        _declared.add(name)
        self.name = name
        self.items: list[T] = []

    def __repr__(self) -> str:
        return f"Hook({self.name!r})"


def hook_register(hook: Hook[T], item: T) -> T:
    """Add `item` to `hook` (once; registering it again changes nothing). Returns the item, so
    it can decorate a function."""
    if item not in hook.items:
        hook.items.append(item)
    return item


def hook_items(hook: Hook[T]) -> tuple[T, ...]:
    """What is registered, in registration order."""
    return tuple(hook.items)


@contextmanager
def hook_registered(hook: Hook[T], item: T) -> Iterator[T]:
    """Register `item` for the duration of a block (tests), then take it off again."""
    added = item not in hook.items
    hook_register(hook, item)
    try:
        yield item
    finally:
        if added:
            hook.items.remove(item)


# Delegated acts (issue 17, docs/adr/0025) --------------------------------------------------------


class DelegatedActCheck(Protocol):
    """Before an app records an act from a doctor's reserved area (a vaccination given), it asks
    every registered check whether `performer` may do `task` in the organisation on `on`; a
    check refuses with a DomainError naming what is missing (field `given_by`). Registered by
    staff, which holds the delegation register; records, above staff, never imports it."""

    def __call__(self, *, organisation_id: int, performer: Any, task: str, on: date) -> None: ...


DELEGATED_ACT_CHECKS: Hook[DelegatedActCheck] = Hook("delegated_act_checks")


def delegated_act_check(*, organisation_id: int, performer: Any, task: str, on: date) -> None:
    """Run the registered checks. None registered is a wiring fault, not a permission:
    refuse (fail closed) rather than record an act nobody checked."""
    checks = hook_items(DELEGATED_ACT_CHECKS)
    if not checks:
        raise RuntimeError("no delegated-act check registered (is klinik.staff installed?)")
    for check in checks:
        check(organisation_id=organisation_id, performer=performer, task=task, on=on)
