"""Per-client rate limits, counted atomically in the database.

One statement counts an attempt and returns the count (an upsert), so concurrent requests
cannot all read "under the limit" before any of them writes: Django's cache API cannot
promise that (`incr` on the database cache is a read and a write). The window starts with a
client's first attempt. Usable by any public or login path; addresses are hashed, never
stored.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from klinik.core import rows
from klinik.core.models import RateLimitCounter


def client_address(request: HttpRequest) -> str:
    """The address the request came from. Behind KLINIK_TRUSTED_PROXIES reverse proxies,
    each appending to X-Forwarded-For, the address the outermost one saw (read from the right:
    what the client itself wrote further left cannot be trusted)."""
    remote: str = request.META.get("REMOTE_ADDR", "")
    proxies = settings.KLINIK_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded_for: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def _key(scope: str, client: str) -> str:
    return f"{scope}:{hashlib.sha256(client.encode()).hexdigest()[:40]}"


@functools.cache
def _hit_sql(vendor: str) -> str:
    """Insert the counter, or count one more; a counter whose window has ended starts over.
    SET expressions read the row as it was before the update (both databases)."""
    del vendor
    t = rows.table(RateLimitCounter)
    key, hits, end = (connection.ops.quote_name(c) for c in ("key", "hits", "window_end"))
    return (
        f"INSERT INTO {t} ({key}, {hits}, {end}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{hits} = CASE WHEN {t}.{end} <= %s THEN 1 ELSE {t}.{hits} + 1 END, "
        f"{end} = CASE WHEN {t}.{end} <= %s THEN excluded.{end} ELSE {t}.{end} END "
        f"RETURNING {hits}"
    )


def rate_limit_hit(*, scope: str, client: str, limit: int, window: timedelta) -> bool:
    """Count one attempt of `scope` from `client`; False once the window holds more than
    `limit`. Atomic: of any number of concurrent attempts, at most `limit` are allowed."""
    now = int(timezone.now().timestamp())
    end = now + int(window.total_seconds())
    with connection.cursor() as cursor:
        cursor.execute(_hit_sql(connection.vendor), [_key(scope, client), end, now, now])
        hits: int
        (hits,) = cursor.fetchone()
    if hits == 1:
        # A window started: clear the counters whose windows have ended, ours included.
        RateLimitCounter.objects.filter(window_end__lt=now).delete()
    return hits <= limit


def rate_limit_refund(*, scope: str, client: str) -> None:
    """Give back one counted attempt (a login that succeeded costs nothing)."""
    RateLimitCounter.objects.filter(key=_key(scope, client), hits__gt=0).update(hits=F("hits") - 1)
