"""Writes of core: login bookkeeping, two-factor, staff changes, actors (API tokens:
api_tokens.py)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.choices import Role
from klinik.core.crypto import field_decrypt, field_encrypt
from klinik.core.errors import (
    CoreCode,
    LoginError,
    RateLimited,
    StaffError,
    TotpError,
)
from klinik.core.models import ApiToken, Membership, Organisation, Unit, User
from klinik.core.policy import SECOND_FACTOR_ROLES, Actor, Perm, permissions_for, require
from klinik.core.ratelimit import client_address, rate_limit_hit, rate_limit_refund

# Actors -------------------------------------------------------------------------------------


def actor_from_membership(membership: Membership, *, within: Organisation | None = None) -> Actor:
    """The acting context a membership gives: one organisation, or a community's members.

    `within` narrows a community membership to one of the community's organisations (an API
    token is made for one organisation); the permissions stay the community's.
    """
    if membership.community_id is not None:
        community = membership.community
        if within is not None:
            org_ids = frozenset({within.pk})
        else:
            org_ids = frozenset(
                Organisation.objects.filter(community=community, is_active=True).values_list(
                    "id", flat=True
                )
            )
        return Actor(
            user=membership.user,
            role=Role(membership.role),
            membership_id=membership.pk,
            organisation=within,
            unit=None,
            community=community,
            organisation_ids=org_ids,
            permissions=permissions_for(membership.role, community_scope=True),
        )
    # A unit's membership has its organisation (the check constraint core_membership_one_scope).
    assert membership.organisation_id is not None
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


LOGIN_RATE_SCOPE = "login"


def _client_attempt(client: str) -> None:
    """Count a password or code attempt from `client`; RateLimited over the limit."""
    if not rate_limit_hit(
        scope=LOGIN_RATE_SCOPE,
        client=client,
        limit=settings.KLINIK_LOGIN_RATE_LIMIT,
        window=timedelta(minutes=settings.KLINIK_LOGIN_RATE_MINUTES),
    ):
        raise RateLimited(settings.KLINIK_LOGIN_RATE_MINUTES)


def user_login_attempt(*, request: HttpRequest, username: str, password: str) -> User:
    """Check a username and password, counting failures and locking after too many.

    Returns the user; raises LoginError with a message safe to show, or RateLimited when the
    client has failed too often (whatever the accounts). Failures are counted and logged
    before the error is raised, outside the transaction, so they stick.
    """
    client = client_address(request)
    _client_attempt(client)
    with transaction.atomic():
        outcome = _login_check(request, username, password)
    if isinstance(outcome, LoginError):
        raise outcome
    rate_limit_refund(scope=LOGIN_RATE_SCOPE, client=client)
    return outcome


def _login_check(request: HttpRequest, username: str, password: str) -> User | LoginError:
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

    # The password is checked even for a locked account: answering faster would tell.
    authed = authenticate(request, username=username, password=password)
    if user is not None and user.locked_until and user.locked_until > now:
        log(Action.LOGIN_FAILED, "locked")
        return LoginError(CoreCode.LOGIN_INVALID)
    if authed is None:
        if user is None:
            log(Action.LOGIN_FAILED)
            return LoginError(CoreCode.LOGIN_INVALID)
        if not user.is_active and user.check_password(password):
            log(Action.LOGIN_FAILED, "deactivated")
            return LoginError(CoreCode.DEACTIVATED)
        locked = _failure_count(user, now)
        log(Action.LOCKOUT if locked else Action.LOGIN_FAILED)
        return LoginError(CoreCode.LOGIN_INVALID)
    if not Membership.objects.filter(user=authed, is_active=True).exists():
        log(Action.LOGIN_FAILED, "deactivated")
        return LoginError(CoreCode.DEACTIVATED)
    # With a code still to come, the count of failures stands until the code is right:
    # otherwise typing the password again would buy a fresh round of guesses at the code.
    if not user_needs_second_factor(authed):
        _failures_reset(authed)
    log(Action.LOGIN)
    return authed


def _failure_count(user: User, now: datetime) -> bool:
    """Count one failed password or code for a row locked by the caller; True when that
    locks the account."""
    user.failed_login_count += 1
    locked = user.failed_login_count >= settings.KLINIK_LOCKOUT_THRESHOLD
    if locked:
        user.locked_until = now + timedelta(minutes=settings.KLINIK_LOCKOUT_MINUTES)
        user.failed_login_count = 0
    user.save(update_fields=["failed_login_count", "locked_until"])
    return locked


def _failures_reset(user: User) -> None:
    if user.failed_login_count or user.locked_until:
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["failed_login_count", "locked_until"])


# Two-factor (TOTP) ---------------------------------------------------------------------------


def totp_begin_setup(*, user: User) -> str:
    """The secret to enrol, in clear (made once, stored encrypted); it counts only once a code
    confirms it."""
    if user.totp_secret:
        return field_decrypt(user.totp_secret)
    secret = pyotp.random_base32()
    user.totp_secret = field_encrypt(secret)
    user.save(update_fields=["totp_secret"])
    return secret


def totp_provisioning_uri(*, user: User) -> str:
    return pyotp.TOTP(field_decrypt(user.totp_secret)).provisioning_uri(
        name=user.username, issuer_name="Klinik"
    )


def totp_verify(*, user: User, code: str, client: str) -> None:
    """Accept a current code once (a replayed code fails); confirm enrolment on first use.

    A wrong code counts toward the lock like a wrong password, and a locked account has no
    code checked at all. Raises TotpError (INVALID_CODE, or LOCKED once locked), or
    RateLimited when `client` (an address) has failed too often; failures are counted and
    logged outside the transaction, so they stick.
    """
    _client_attempt(client)
    with transaction.atomic():
        refused = _totp_check(user, code)
    if refused is not None:
        raise refused
    rate_limit_refund(scope=LOGIN_RATE_SCOPE, client=client)


def _totp_check(user: User, code: str) -> TotpError | None:
    now = timezone.now()
    locked = User.objects.select_for_update().get(pk=user.pk)

    def log(action: Action, reason: str) -> None:
        access_log_record(
            actor=None,
            user=locked,
            action=action,
            purpose=Purpose.SECURITY,
            channel=Channel.UI,
            reason=reason,
        )

    if locked.locked_until and locked.locked_until > now:
        log(Action.LOGIN_FAILED, "code: locked")
        return TotpError(CoreCode.TOTP_LOCKED)
    digits = "".join(ch for ch in code if ch.isdigit())
    if locked.totp_secret and len(digits) == 6:
        totp = pyotp.TOTP(field_decrypt(locked.totp_secret))
        current = totp.timecode(now)
        for step in (current - 1, current, current + 1):
            if step > locked.totp_last_step and secrets.compare_digest(
                totp.generate_otp(step), digits
            ):
                locked.totp_last_step = step
                if locked.totp_confirmed_at is None:
                    locked.totp_confirmed_at = now
                locked.save(update_fields=["totp_last_step", "totp_confirmed_at"])
                _failures_reset(locked)
                user.totp_last_step = step
                user.totp_confirmed_at = locked.totp_confirmed_at
                return None
    if _failure_count(locked, now):
        log(Action.LOCKOUT, "code")
        return TotpError(CoreCode.TOTP_LOCKED)
    log(Action.LOGIN_FAILED, "code")
    return TotpError(CoreCode.TOTP_INVALID)


def user_password_change(*, user: User, new_password: str) -> None:
    """Set a new password the user chose and log it. The caller's form has shown the
    validators' messages; they run here again so no other caller can skip them."""
    validate_password(new_password, user)
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


def _check_unit(actor: Actor, unit: Unit | None) -> None:
    """Refuse a unit outside the actor's organisation (and a community membership's none)."""
    if unit is None or actor.organisation is None or unit.organisation_id != actor.organisation.pk:
        raise StaffError(CoreCode.UNIT_NOT_YOURS, field="unit")


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
        raise StaffError(CoreCode.ROLE_NOT_ALLOWED, field="role")
    username = username.strip().lower()
    with transaction.atomic(durable=True):
        if User.objects.filter(username__iexact=username).exists():
            raise StaffError(CoreCode.USERNAME_TAKEN, field="username")
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
        raise StaffError(CoreCode.NOT_YOURSELF)
    if role not in _assignable_roles(actor) or membership.role not in _assignable_roles(actor):
        raise StaffError(CoreCode.ROLE_NOT_ALLOWED, field="role")
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
        raise StaffError(CoreCode.NOT_YOURSELF)
    if membership.role not in _assignable_roles(actor):
        raise StaffError(CoreCode.ROLE_NOT_ALLOWED)
    with transaction.atomic(durable=True):
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        _user_without_roles_end(membership.user)
        _log_staff_change(actor, membership, "deactivated")
    return membership


def _user_without_roles_end(user: User) -> None:
    """A user left with no active role cannot log in, and their API tokens stop at once."""
    if Membership.objects.filter(user=user, is_active=True).exists():
        return
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def membership_reactivate(*, actor: Actor, membership: Membership) -> Membership:
    require(actor, Perm.STAFF_MANAGE)
    _check_unit(actor, membership.unit)
    if membership.role not in _assignable_roles(actor):
        raise StaffError(CoreCode.ROLE_NOT_ALLOWED)
    with transaction.atomic(durable=True):
        if Membership.objects.filter(
            user=membership.user, unit=membership.unit, is_active=True
        ).exists():
            raise StaffError(CoreCode.ALREADY_MEMBER)
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
            if not membership.is_active:
                _user_without_roles_end(membership.user)
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
