"""Database lookups Django lacks."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Lookup

_GLOB_PART = re.compile(r"\[\^?[^\]]+\]|[*?]|[^\[\]*?]")


def glob_to_regex(pattern: str) -> str:
    """The anchored regular expression that matches what a GLOB pattern matches."""
    found = _GLOB_PART.findall(pattern)
    if "".join(found) != pattern:
        raise ValueError(f"Unsupported GLOB pattern: {pattern!r}")
    parts = []
    for part in found:
        if part.startswith("["):
            parts.append(part)  # [0-9], [^a-z]: the same in both
        elif part == "*":
            parts.append(".*")
        elif part == "?":
            parts.append(".")
        else:
            parts.append(re.escape(part))
    return "^" + "".join(parts) + "$"


class Glob(Lookup):
    """The whole value matches a GLOB pattern (`*`, `?`, `[0-9]`, `[^a-z]`; case-sensitive).

    SQLite runs it natively (GLOB), where Django's regex lookup calls back into Python for
    every row, which a CHECK constraint does on every insert; PostgreSQL gets the equivalent
    anchored regular expression. Usable as a constraint's condition:
    `CheckConstraint(condition=Glob(F("cpr"), "[0-9][0-9]..."), name=...)`.
    """

    lookup_name = "glob"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "sqlite":
            return f"{lhs} GLOB %s", (*lhs_params, self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} ~ %s", (*lhs_params, glob_to_regex(self.rhs))
        raise NotImplementedError(f"GLOB on {connection.vendor}")
