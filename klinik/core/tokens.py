"""Secrets handed out once and stored only as a hash: API tokens, calendar-feed tokens."""

import hashlib


def token_hash(raw: str) -> str:
    """SHA-256, hex: tokens are long random strings, so no salt or slow hash is needed, and
    the hash can be looked up directly."""
    return hashlib.sha256(raw.encode()).hexdigest()
