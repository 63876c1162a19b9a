"""Writes of core: login bookkeeping, two-factor, staff changes, API tokens, actors."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core import rows
from klinik.core.choices import Role
from klinik.core.errors import LoginError, StaffError, TotpError
from klinik.core.models import ApiToken, Membership, Organisation, Unit, User
from klinik.core.policy import SECOND_FACTOR_ROLES, Actor, Perm, permissions_for, require

TOKEN_PREFIX = "klk_"  # noqa: S105  (a visible prefix, not a secret)


# Actors -------------------------------------------------------------------------------------


def actor_from_membership(membership: Membership) -> Actor:
    """The acting context a membership gives: one organisation, or a community's members."""
    if membership.community_id is not None:
        community = membership.community
        org_ids = frozenset(
            Organisation.objects.filter(community=community, is_active=True).values_list(
                "id", flat=True
            )
        )
        return Actor(
            user=membership.user,
            role=Role(membership.role),
            membership_id=membership.pk,
            organisation=None,
            unit=None,
            community=community,
            organisation_ids=org_ids,
            permissions=permissions_for(membership.role, community_scope=True),
        )
    return Actor(
        user=membership.user,
        role=Role(membership.role),
        membership_id=membership.pk,
        organisation=membership.organisation,
        unit=membership.unit,
        community=None,
        organisation_ids=frozenset({membership.organisation_id}),
        permissions=permissions_for(membership.role, community_scope=False),
    )


def user_needs_second_factor(user: User) -> bool:
    """Two-factor is needed when the user has enrolled, or required for the user's roles."""
    if user.has_totp:
        return True
    if not settings.KLINIK_REQUIRE_2FA:
        return False
    return Membership.objects.filter(
        user=user, is_active=True, role__in=SECOND_FACTOR_ROLES
    ).exists()


# Login ---------------------------------------------------------------------------------------


def user_login_attempt(*, request: HttpRequest, username: str, password: str) -> User:
    """Check a username and password, counting failures and locking after too many.

    Returns the user; raises LoginError with a message safe to show. Failures are counted
    and logged before the error is raised, outside the transaction, so they stick.
    """
    with transaction.atomic():
        outcome = _login_check(request, username, password)
    if not isinstance(outcome, User):
        raise LoginError(outcome)
    return outcome


def _login_check(request: HttpRequest, username: str, password: str) -> User | str:
    now = timezone.now()
    user = User.objects.select_for_update().filter(username=username).first()

    def log(action: Action, reason: str = "") -> None:
        access_log_record(
            actor=None,
            user=user,
            username=username,
            action=action,
            purpose=Purpose.SECURITY,
            channel=Channel.UI,
            reason=reason,
        )

    if user is not None and user.locked_until and user.locked_until > now:
        log(Action.LOGIN_FAILED, "locked")
        return LoginError.LOCKED
    authed = authenticate(request, username=username, password=password)
    if authed is None:
        if user is None:
            log(Action.LOGIN_FAILED)
            return LoginError.INVALID
        if not user.is_active and user.check_password(password):
            log(Action.LOGIN_FAILED, "deactivated")
            return LoginError.DEACTIVATED
        user.failed_login_count += 1
        locked = user.failed_login_count >= settings.KLINIK_LOCKOUT_THRESHOLD
        if locked:
            user.locked_until = now + timedelta(minutes=settings.KLINIK_LOCKOUT_MINUTES)
            user.failed_login_count = 0
        user.save(update_fields=["failed_login_count", "locked_until"])
        log(Action.LOCKOUT if locked else Action.LOGIN_FAILED)
        return LoginError.LOCKED if locked else LoginError.INVALID
    if not Membership.objects.filter(user=authed, is_active=True).exists():
        log(Action.LOGIN_FAILED, "deactivated")
        return LoginError.DEACTIVATED
    authed.failed_login_count = 0
    authed.locked_until = None
    authed.save(update_fields=["failed_login_count", "locked_until"])
    log(Action.LOGIN)
    return authed


# Two-factor (TOTP) ---------------------------------------------------------------------------


def totp_begin_setup(*, user: User) -> str:
    """The secret to enrol (made once); it counts only once a code confirms it."""
    if user.totp_secret:
        return user.totp_secret
    user.totp_secret = pyotp.random_base32()
    user.save(update_fields=["totp_secret"])
    return user.totp_secret


def totp_provisioning_uri(*, user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="Klinik")


def totp_verify(*, user: User, code: str) -> None:
    """Accept a current code once (a replayed code fails); confirm enrolment on first use."""
    code = "".join(ch for ch in code if ch.isdigit())
    if not user.totp_secret or len(code) != 6:
        raise TotpError(TotpError.INVALID_CODE)
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        current = totp.timecode(now)
        for step in (current - 1, current, current + 1):
            if step > locked.totp_last_step and secrets.compare_digest(
                totp.generate_otp(step), code
            ):
                locked.totp_last_step = step
                if locked.totp_confirmed_at is None:
                    locked.totp_confirmed_at = now
                locked.save(update_fields=["totp_last_step", "totp_confirmed_at"])
                user.totp_last_step = step
                user.totp_confirmed_at = locked.totp_confirmed_at
                return
    raise TotpError(TotpError.INVALID_CODE)


def user_password_change(*, user: User, new_password: str) -> None:
    """Set a new password the user chose (validated by the caller's form) and log it."""
    with transaction.atomic(durable=True):
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        access_log_record(
            actor=None,
            user=user,
            action=Action.PASSWORD_CHANGE,
            purpose=Purpose.SECURITY,
            channel=Channel.UI,
        )


# Staff ---------------------------------------------------------------------------------------

# Roles a manager may hand out; system administrators are made by system administrators.
MANAGER_ASSIGNABLE_ROLES: frozenset[Role] = frozenset(Role) - {Role.SYSTEM_ADMIN}


def _assignable_roles(actor: Actor) -> frozenset[Role]:
    return frozenset(Role) if actor.role == Role.SYSTEM_ADMIN else MANAGER_ASSIGNABLE_ROLES


def _check_unit(actor: Actor, unit: Unit) -> None:
    if actor.organisation is None or unit.organisation_id != actor.organisation.pk:
        raise StaffError(StaffError.UNIT_NOT_YOURS, field="unit")


def staff_member_add(
    *,
    actor: Actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    role: Role,
    unit: Unit,
) -> Membership:
    """Create a user with a role in one of the actor's units."""
    require(actor, Perm.STAFF_MANAGE)
    _check_unit(actor, unit)
    if role not in _assignable_roles(actor):
        raise StaffError(StaffError.ROLE_NOT_ALLOWED, field="role")
    username = username.strip().lower()
    with transaction.atomic(durable=True):
        if User.objects.filter(username__iexact=username).exists():
            raise StaffError(StaffError.USERNAME_TAKEN, field="username")
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=email,
            must_change_password=True,
        )
        validate_password(password, user)
        user.set_password(password)
        user.save()
        membership = Membership.objects.create(
            user=user, organisation=unit.organisation, unit=unit, role=role
        )
        _log_staff_change(actor, membership, "added")
    return membership


def membership_change_role(*, actor: Actor, membership: Membership, role: Role) -> Membership:
    require(actor, Perm.STAFF_MANAGE)
    _check_unit(actor, membership.unit)
    if membership.user_id == actor.user.pk:
        raise StaffError(StaffError.NOT_YOURSELF)
    if role not in _assignable_roles(actor) or membership.role not in _assignable_roles(actor):
        raise StaffError(StaffError.ROLE_NOT_ALLOWED, field="role")
    with transaction.atomic(durable=True):
        old_role = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        _log_staff_change(actor, membership, f"role {old_role} -> {role}")
    return membership


def membership_deactivate(*, actor: Actor, membership: Membership) -> Membership:
    """End a role. A user left with no active role cannot log in; their history stays."""
    require(actor, Perm.STAFF_MANAGE)
    _check_unit(actor, membership.unit)
    if membership.user_id == actor.user.pk:
        raise StaffError(StaffError.NOT_YOURSELF)
    if membership.role not in _assignable_roles(actor):
        raise StaffError(StaffError.ROLE_NOT_ALLOWED)
    with transaction.atomic(durable=True):
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        user = membership.user
        if not Membership.objects.filter(user=user, is_active=True).exists():
            user.is_active = False
            user.save(update_fields=["is_active"])
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
        _log_staff_change(actor, membership, "deactivated")
    return membership


def membership_reactivate(*, actor: Actor, membership: Membership) -> Membership:
    require(actor, Perm.STAFF_MANAGE)
    _check_unit(actor, membership.unit)
    if membership.role not in _assignable_roles(actor):
        raise StaffError(StaffError.ROLE_NOT_ALLOWED)
    with transaction.atomic(durable=True):
        if Membership.objects.filter(
            user=membership.user, unit=membership.unit, is_active=True
        ).exists():
            raise StaffError(StaffError.ALREADY_MEMBER)
        membership.is_active = True
        membership.deactivated_at = None
        membership.save(update_fields=["is_active", "deactivated_at"])
        if not membership.user.is_active:
            membership.user.is_active = True
            membership.user.save(update_fields=["is_active"])
        _log_staff_change(actor, membership, "reactivated")
    return membership


def _log_staff_change(
    actor: Actor | None, membership: Membership, what: str, *, user: User | None = None
) -> None:
    """One staff-change entry: by an actor (the staff screens) or by a user without one (the
    Django admin), against the membership's organisation."""
    access_log_record(
        actor=actor,
        user=user,
        action=Action.STAFF_CHANGE,
        purpose=Purpose.ADMINISTRATION,
        channel=Channel.UI,
        object_type="membership",
        object_id=membership.public_id,
        reason=what,
        organisation_id=membership.organisation_id if actor is None else None,
    )


def membership_admin_save(*, user: User, membership: Membership) -> Membership:
    """Save a membership edited in the Django admin (demo only) and log what changed as the
    staff screens log it: added, "role A -> B", deactivated, reactivated. The admin has its
    own transaction (and no actor: its user may act for another organisation), so this joins
    it and logs by user."""
    with transaction.atomic():
        before = (
            Membership.objects.select_for_update()
            .filter(pk=membership.pk)
            .values("role", "is_active", "unit_id", "community_id", "user_id")
            .first()
            if membership.pk is not None
            else None
        )
        if before is not None and before["is_active"] != membership.is_active:
            membership.deactivated_at = None if membership.is_active else timezone.now()
        membership.save()
        if before is None:
            _log_staff_change(None, membership, "added", user=user)
            return membership
        if before["role"] != membership.role:
            what = f"role {before['role']} -> {membership.role}"
            _log_staff_change(None, membership, what, user=user)
        if before["is_active"] != membership.is_active:
            what = "reactivated" if membership.is_active else "deactivated"
            _log_staff_change(None, membership, what, user=user)
        moved = [
            name
            for name in ("unit_id", "community_id", "user_id")
            if before[name] != getattr(membership, name)
        ]
        if moved:
            what = "changed " + ", ".join(name.removesuffix("_id") for name in moved)
            _log_staff_change(None, membership, what, user=user)
    return membership


def membership_admin_delete(*, user: User, membership: Membership) -> None:
    """Delete a membership in the Django admin (demo only), logged like the staff screens'
    changes."""
    with transaction.atomic():
        _log_staff_change(None, membership, f"deleted (role {membership.role})", user=user)
        membership.delete()


# API tokens ----------------------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *, user: User, organisation: Organisation, name: str = ""
) -> tuple[ApiToken, str]:
    """Issue a token acting for `user` in `organisation`; the raw token is returned once."""
    if not user.is_active:
        raise StaffError(LoginError.DEACTIVATED)
    if not Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists():
        raise StaffError(StaffError.UNIT_NOT_YOURS)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(
            user=user,
            organisation=organisation,
            name=name,
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            key_hash=_token_hash(raw),
        )
        access_log_record(
            actor=None,
            user=user,
            action=Action.TOKEN_CREATE,
            purpose=Purpose.SECURITY,
            channel=Channel.CLI,
            object_type="api_token",
            object_id=token.public_id,
        )
    return token, raw


# The models _token_sql selects, in column order.
_TOKEN_ROW: tuple[type[Model], ...] = (ApiToken, Membership, User, Organisation, Unit)


@functools.cache
def _token_sql(vendor: str) -> str:
    """The token, its user, the organisation, and the user's first active membership there
    with its unit, in one statement (the SQL is portable; the vendor keys the cache)."""
    del vendor
    selected = ", ".join(
        rows.columns(m._meta.concrete_fields, alias)
        for m, alias in zip(_TOKEN_ROW, "tmuon", strict=True)
    )
    return (
        f"SELECT {selected} "  # noqa: S608  (identifiers from the models)
        f"FROM {rows.table(ApiToken)} t "
        f"JOIN {rows.table(User)} u ON u.id = t.user_id "
        f"JOIN {rows.table(Organisation)} o ON o.id = t.organisation_id "
        f"JOIN {rows.table(Membership)} m "
        "ON m.user_id = t.user_id AND m.organisation_id = t.organisation_id "
        f"LEFT JOIN {rows.table(Unit)} n ON n.id = m.unit_id "
        "WHERE t.key_hash = %s AND t.revoked_at IS NULL "
        "AND u.is_active = %s AND o.is_active = %s AND m.is_active = %s "
        "ORDER BY m.id LIMIT 1"
    )


def api_token_actor(*, raw: str) -> Actor | None:
    """The actor a bearer token stands for, or None when it is unknown, revoked or inactive.

    Every API request pays for this, so it is one hand-written statement: building and
    compiling the equivalent four-model select_related query costs more than running it.
    """
    if not raw.startswith(TOKEN_PREFIX):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [_token_hash(raw), True, True, True])
        row = cursor.fetchone()
    if row is None:
        return None
    instances = []
    at = 0
    for model in _TOKEN_ROW:
        instance, at = rows.instance(model, row, at)
        instances.append(instance)
    token, membership, user, organisation, unit = instances
    assert isinstance(token, ApiToken) and isinstance(membership, Membership)  # inner joins
    membership.user, membership.organisation, membership.unit = user, organisation, unit
    now = timezone.now()
    # Touch at most once a minute: a busy integration should not write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return actor_from_membership(membership)
