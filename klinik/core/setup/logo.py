"""The organisation's logo (for letters): one PNG or JPEG under DATA_DIR/logos/, outside the
web root, named by a random key (never the uploaded name). Written to a temporary file and
renamed into place; the previous logo's file is removed once the new one is committed."""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from pathlib import Path

from django.conf import settings

MAX_LOGO_BYTES = 512 * 1024
# The first bytes of the image formats a letter can carry.
SIGNATURES = {b"\x89PNG\r\n\x1a\n": ("png", "image/png"), b"\xff\xd8\xff": ("jpg", "image/jpeg")}


def logos_root() -> Path:
    return Path(settings.DATA_DIR) / "logos"


def logo_kind(head: bytes) -> tuple[str, str] | None:
    """(file extension, content type) of a PNG or JPEG by its first bytes; None otherwise."""
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def logo_path(key: str) -> Path:
    root = logos_root().resolve()
    path = (root / key).resolve()
    if root not in path.parents:  # a key never leaves the root
        raise ValueError("logo key outside the logos directory")
    return path


def logo_write(*, organisation_key: str, content: bytes, extension: str) -> str:
    """Write the logo under a random name; return its key (relative to the logos root)."""
    directory = logos_root() / organisation_key
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = f"{organisation_key}/{secrets.token_hex(16)}.{extension}"
    final = logo_path(key)
    temporary = final.with_suffix(".part")
    with temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(final)
    return key


def logo_remove(key: str) -> None:
    if key:
        with suppress(OSError, ValueError):
            logo_path(key).unlink(missing_ok=True)
