"""Password rules beyond Django's own (settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class PasswordContainsUsernameValidator:
    """Refuse a password that contains the username, in any case. Django's similarity check
    compares the whole password with the username and lets `laege3laege3` through for
    `laege3` (a ratio of 0.67 against its 0.7)."""

    # Shorter usernames would forbid too many ordinary passwords to be worth it.
    MIN_LENGTH = 3

    def validate(self, password: str, user: Any = None) -> None:
        username = str(getattr(user, "username", "") or "")
        if len(username) >= self.MIN_LENGTH and username.casefold() in password.casefold():
            raise ValidationError(
                _("The password must not contain the username."),
                code="password_contains_username",
            )

    def get_help_text(self) -> str:
        return _("Your password must not contain your username.")
