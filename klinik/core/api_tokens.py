"""API tokens: issued once (only their hash is kept), revoked, and resolved to an actor."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core import rows
from klinik.core.errors import CoreCode, StaffError, TokenError
from klinik.core.models import ApiToken, Community, Membership, Organisation, Unit, User
from klinik.core.policy import Actor
from klinik.core.services import actor_from_membership
from klinik.core.tokens import token_hash

TOKEN_PREFIX = "klk_"  # noqa: S105  (a visible prefix, not a secret)


# API tokens ----------------------------------------------------------------------------------


def _token_memberships(user: User, organisation: Organisation) -> QuerySet[Membership]:
    """Active memberships that let `user` act in `organisation`: a unit there, or a community
    the organisation belongs to."""
    scope = Q(organisation=organisation)
    if organisation.community_id is not None:
        scope |= Q(organisation__isnull=True, community_id=organisation.community_id)
    return Membership.objects.filter(scope, user=user, is_active=True)


def api_token_create(
    *,
    user: User,
    organisation: Organisation,
    name: str = "",
    expires_in: timedelta | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token acting for `user` in `organisation`; the raw token is returned once."""
    if not user.is_active:
        raise StaffError(CoreCode.DEACTIVATED)
    if not organisation.is_active or not _token_memberships(user, organisation).exists():
        raise StaffError(CoreCode.UNIT_NOT_YOURS)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + expires_in if expires_in is not None else None
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(
            user=user,
            organisation=organisation,
            name=name,
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            key_hash=token_hash(raw),
            expires_at=expires_at,
        )
        access_log_record(
            actor=None,
            user=user,
            action=Action.TOKEN_CREATE,
            purpose=Purpose.SECURITY,
            channel=Channel.CLI,
            object_type="api_token",
            object_id=token.public_id,
            reason=f"expires {expires_at.isoformat()}" if expires_at else "",
        )
    return token, raw


def api_token_revoke(*, prefix_or_token: str) -> ApiToken:
    """Revoke the one active token with this prefix (as `token list` shows it) or this whole
    token. TokenError when none or several match."""
    given = prefix_or_token.strip().rstrip("…")
    with transaction.atomic(durable=True):
        active = ApiToken.objects.select_for_update().filter(revoked_at__isnull=True)
        if len(given) > len(TOKEN_PREFIX) + 6:
            matches = list(active.filter(key_hash=token_hash(given)))
        else:
            matches = list(active.filter(prefix=given))
        if not matches:
            raise TokenError(CoreCode.TOKEN_NOT_FOUND, TokenError.NOT_FOUND.format(prefix=given))
        if len(matches) > 1:
            raise TokenError(
                CoreCode.TOKEN_AMBIGUOUS,
                TokenError.AMBIGUOUS.format(prefix=given, count=len(matches)),
            )
        (token,) = matches
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        # The access log has no revoke action of its own; calendar feeds log theirs the same way.
        access_log_record(
            actor=None,
            user=token.user,
            action=Action.TOKEN_CREATE,
            purpose=Purpose.SECURITY,
            channel=Channel.CLI,
            object_type="api_token",
            object_id=token.public_id,
            reason="revoked",
        )
    return token


# The models _token_sql selects, in column order.
_TOKEN_ROW: tuple[type[Model], ...] = (ApiToken, Membership, User, Organisation, Unit, Community)


@functools.cache
def _token_sql(vendor: str) -> str:
    """The token, its user, the organisation, and the user's first active membership there
    (a unit's before a community's) with its unit or community, in one statement (the SQL is
    portable; the vendor keys the cache)."""
    del vendor
    selected = ", ".join(
        rows.columns(m._meta.concrete_fields, alias)
        for m, alias in zip(_TOKEN_ROW, "tmuonc", strict=True)
    )
    return (
        f"SELECT {selected} "  # noqa: S608  (identifiers from the models)
        f"FROM {rows.table(ApiToken)} t "
        f"JOIN {rows.table(User)} u ON u.id = t.user_id "
        f"JOIN {rows.table(Organisation)} o ON o.id = t.organisation_id "
        f"JOIN {rows.table(Membership)} m ON m.user_id = t.user_id "
        "AND (m.organisation_id = t.organisation_id "
        "OR (m.organisation_id IS NULL AND m.community_id = o.community_id)) "
        f"LEFT JOIN {rows.table(Unit)} n ON n.id = m.unit_id "
        f"LEFT JOIN {rows.table(Community)} c ON c.id = m.community_id "
        "WHERE t.key_hash = %s AND t.revoked_at IS NULL "
        "AND u.is_active = %s AND o.is_active = %s AND m.is_active = %s "
        "ORDER BY CASE WHEN m.unit_id IS NULL THEN 1 ELSE 0 END, m.id LIMIT 1"
    )


def api_token_actor(*, raw: str) -> Actor | None:
    """The actor a bearer token stands for, or None when it is unknown, revoked, expired or
    inactive.

    Every API request pays for this, so it is one hand-written statement: building and
    compiling the equivalent select_related query costs more than running it.
    """
    if not raw.startswith(TOKEN_PREFIX):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [token_hash(raw), True, True, True])
        row = cursor.fetchone()
    if row is None:
        return None
    instances: list[Model | None] = []
    at = 0
    for model in _TOKEN_ROW:
        instance, at = rows.instance(model, row, at)
        instances.append(instance)
    token, membership, user, organisation, unit, community = instances
    assert isinstance(token, ApiToken) and isinstance(membership, Membership)  # inner joins
    assert isinstance(organisation, Organisation) and isinstance(user, User)
    assert unit is None or isinstance(unit, Unit)  # outer joins
    assert community is None or isinstance(community, Community)
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    membership.user, membership.unit, membership.community = user, unit, community
    if membership.organisation_id is not None:
        membership.organisation = organisation
    # Touch at most once a minute: a busy integration should not write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    within = organisation if membership.community_id is not None else None
    return actor_from_membership(membership, within=within)
