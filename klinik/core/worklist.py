"""The work queue's registry: each app says what waits for a user or their unit.

The secretary's one work queue (`/arbejdsliste/`, `GET /api/v1/worklist`, the dashboard's
counts) shows everything that waits: referrals to visitate, deadlines coming up and breached,
tasks, dictations to transcribe, entries to sign, messages that failed to send, and what later
apps add. It knows none of them: each app registers a `WorkKind` on the hook `WORK_KINDS` in
its `AppConfig.ready()` (core/hooks.py) with two reads of its own, and the queue merges what
they return.

A kind's items are at most `query.limit` items, most urgent first (`urgency_key`), that the
actor may see and that match the query; its count is how many there are in all (the queue asks
it only when the items filled the limit: fewer items are all of them). A kind gives them as
`read` (the items and the count in one query) with `rows` (the queryset whose `count()` is the
count), or as two functions `items` and `count`. All are plain reads without access-log
entries: the queue logs the opening of the list once, naming the patients it shows.
"""

from __future__ import annotations

import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, IntegerField, QuerySet, Value, Window
from django.db.models.query import ValuesIterable, ValuesListIterable
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils import timezone

from klinik.core.hooks import Hook, hook_items
from klinik.core.policy import Actor, Perm

# Priorities: a higher number is more urgent among items due at the same time.
PRIORITY_LOW = 0
PRIORITY_NORMAL = 1
PRIORITY_HIGH = 2
PRIORITY_ACUTE = 3


@dataclass(frozen=True)
class WorkQuery:
    """What the queue asks every kind for.

    `unit_ids`: the units whose items are shown (always within the actor's organisations).
    `assignee_id`: only items assigned to this user (None: everyone's, and the unit's own).
    `unassigned_only`: only items nobody has taken yet.
    `due_before`: only items due before this moment (None: whatever the due time).
    `limit`: at most this many items from each kind (the queue's page needs no more).
    """

    unit_ids: frozenset[int]
    limit: int
    assignee_id: int | None = None
    unassigned_only: bool = False
    due_before: datetime | None = None


@dataclass(frozen=True)
class WorkItem:
    """One thing that waits. `id` is the public id of what waits (never a database id);
    `url` is where it is done; `patient_id` is the internal id of the patient it concerns
    (the queue reads names and CPR numbers of a page's patients in one query and logs them)."""

    kind: str
    id: str
    title: str
    url: str
    due: datetime | None
    unit_id: int | None
    patient_id: int | None = None
    assignee_id: int | None = None
    priority: int = PRIORITY_NORMAL
    detail: str = ""  # a short second line: the referrer, the rule, the author
    since: datetime | None = None  # when it began to wait: the older first among equals
    is_all_day: bool = False  # due on a day (`due` is that day's end): shown without a time

    def is_overdue(self, now: datetime) -> bool:
        return self.due is not None and self.due < now


_NEVER = datetime.max.replace(tzinfo=UTC)


def urgency_key(item: WorkItem) -> tuple[Any, ...]:
    """Soonest due first (the overdue are the soonest), then the more urgent, then those
    without a due time; among equals the one waiting longest; ties by kind and id so the
    order is stable between pages. A kind orders its rows the same way (due, priority
    descending, since, public id) so that its first `limit` rows are the ones the page needs."""
    return (
        item.due is None,
        item.due or _NEVER,
        -item.priority,
        item.since is None,
        item.since or _NEVER,
        item.kind,
        item.id,
    )


class WorkRead(Protocol):
    """A kind's one-query read: the first `query.limit` items and how many there are (with
    `counted=False` the count is not computed and reads 0)."""

    def __call__(
        self, actor: Actor, query: WorkQuery, *, counted: bool = True
    ) -> tuple[list[WorkItem], int]: ...


@dataclass(frozen=True)
class WorkKind:
    key: str  # "referral", "deadline", "task", "dictation", "signing", "outbox", ...
    label: Any  # a lazy translation: the filter's and the count's name
    perm: Perm | None  # the kind is asked only when the actor holds this permission
    # Either `read` and `rows`: the items and the count in one read (a window count beside the
    # first rows: one round trip), and the waiting rows of a query (None: none can match)...
    read: WorkRead | None = None
    rows: Callable[[Actor, WorkQuery], QuerySet[Any] | None] | None = None
    # ... or `items` and `count`, for a kind whose items are not one queryset's rows.
    items: Callable[[Actor, WorkQuery], list[WorkItem]] | None = None
    count: Callable[[Actor, WorkQuery], int] | None = None
    order: int = 100  # position among the filters and counts
    # "Assign to me": the actor takes the item with this public id (a task, a dictation);
    # None for kinds nobody takes (entries to sign wait for their own signer). Refuses with a
    # DomainError; a missing or foreign id is Http404.
    take: Callable[[Actor, str], None] | None = None

    def __post_init__(self) -> None:
        if not ((self.read and self.rows) or (self.items and self.count)):
            raise ImproperlyConfigured(
                f"Work kind {self.key}: give read and rows, or items and count"
            )

    def items_of(self, actor: Actor, query: WorkQuery) -> list[WorkItem]:
        """At most `query.limit` items, most urgent first."""
        if self.items is not None:
            return self.items(actor, query)
        assert self.read is not None
        return self.read(actor, query, counted=False)[0]

    def count_of(self, actor: Actor, query: WorkQuery) -> int:
        """How many items match the query."""
        if self.count is not None:
            return self.count(actor, query)
        assert self.rows is not None
        waiting = self.rows(actor, query)
        return 0 if waiting is None else waiting.count()


# Registered in AppConfig.ready(): hook_register(WORK_KINDS, WorkKind(...)).
WORK_KINDS: Hook[WorkKind] = Hook("work_kinds")


def work_kinds(actor: Actor | None = None) -> list[WorkKind]:
    """The registered kinds in their order; with an actor, those their permissions allow."""
    kinds = sorted(hook_items(WORK_KINDS), key=lambda k: (k.order, k.key))
    if actor is None:
        return kinds
    return [k for k in kinds if k.perm is None or actor.can(k.perm)]


def work_items_merge(
    batches: Iterable[list[WorkItem]], *, offset: int, limit: int
) -> list[WorkItem]:
    """One page of the merged queue, most urgent first."""
    merged = sorted((item for batch in batches for item in batch), key=urgency_key)
    return merged[offset : offset + limit]


_PLACEHOLDER = uuid.UUID(int=0)


def work_url(name: str) -> Callable[[uuid.UUID], str]:
    """The URL of an item by public id, for a route taking one UUID: `reverse` once per page
    rather than once per item (it is the slowest step of building a page of items)."""
    base, marker = reverse(name, args=[_PLACEHOLDER]), str(_PLACEHOLDER)
    return lambda public_id: base.replace(marker, str(public_id))


# Compiled reads (work_rows), per database connection: a compiler's converters belong to it.
_COMPILED_MAX = 256
_compiled: weakref.WeakKeyDictionary[Any, OrderedDict[Hashable, _Compiled | None]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...] | None  # the keys of `.values()` rows; None: `.values_list()` tuples
    compiler: SQLCompiler
    converters: dict[int, Any]


def _compile(rows: QuerySet[Any]) -> _Compiled | None:
    names: tuple[str, ...] | None
    if rows._iterable_class is ValuesIterable:
        query = rows.query  # the keys as ValuesIterable names them
        if query.selected:
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
    elif rows._iterable_class is ValuesListIterable:
        names = None
    else:
        raise ImproperlyConfigured("work_rows: give a .values() or .values_list() queryset")
    compiler = rows.query.get_compiler(using=rows.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    return _Compiled(sql, tuple(params), names, compiler, compiler.get_converters(fields))


def work_rows(
    kind: str,
    actor: Actor,
    query: WorkQuery,
    *,
    counted: bool,
    waiting: Callable[[Actor, WorkQuery], QuerySet[Any] | None],
    page: Callable[[QuerySet[Any]], QuerySet[Any]],
) -> list[Any]:
    """The rows of a kind's read: `page(waiting(actor, query))` (a `.values()` or
    `.values_list()` queryset; none when `waiting` gives None) evaluated. The compiled SQL is
    kept, per connection, for the same kind, actor (membership, permissions, organisations), query,
    count and day: both functions must depend on nothing else (not on the clock's time of day,
    not on other rows). Building and compiling a kind's queryset costs several times more
    than running it, and a user asks the same query page after page."""
    key = (
        kind,
        actor.membership_id,  # the user, their role and unit
        actor.user.pk,
        actor.organisation_ids,
        actor.permissions,
        query,
        counted,
        timezone.localdate(),
    )
    connection = connections[DEFAULT_DB_ALIAS]
    kept = _compiled.setdefault(connection, OrderedDict())
    if key in kept:
        compiled = kept[key]
        kept.move_to_end(key)
    else:
        rows = waiting(actor, query)
        compiled = None if rows is None else _compile(page(rows))
        kept[key] = compiled
        if len(kept) > _COMPILED_MAX:
            kept.popitem(last=False)
    if compiled is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        found: Iterable[Any] = cursor.fetchall()
    if compiled.converters:
        found = compiled.compiler.apply_converters(found, compiled.converters)
    if compiled.names is None:
        return [tuple(row) for row in found]
    names = compiled.names
    return [dict(zip(names, row, strict=True)) for row in found]


def work_total(*, counted: bool) -> Window | Value:
    """The `total` annotation of a kind's `read`: how many rows match (a window count beside
    the first rows) or, when only the items are asked for, a constant."""
    return Window(Count("pk")) if counted else Value(0, output_field=IntegerField())
