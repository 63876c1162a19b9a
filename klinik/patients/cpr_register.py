"""The national CPR register behind an adapter: a CPR number gives the person's name and
address, which the registration form fills in (the secretary can still change them).

The real service is the CPR register's lookup on Serviceplatformen (KOMBIT): a SOAP call with
the clinic's OCES system certificate under a service agreement, none of which this project
holds. It is named here, with the settings it will read (`KLINIK_CPR_SERVICEPLATFORMEN`), and
not done. `LocalCprRegister` answers from a JSON file: `KLINIK_CPR_REGISTER_FILE`, else
`$KLINIK_DATA_DIR/cpr_register.json`, else the shipped test file `data/cpr_register_test.json`
(synthetic people only). `KLINIK_CPR_REGISTER_BACKEND` names the class (docs/adr/0035).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from klinik.patients.identifiers import compact_identifier

TEST_FILE = Path(__file__).resolve().parent / "data" / "cpr_register_test.json"


class CprRegisterError(Exception):
    """The register could not be asked (not configured, unreachable, refused)."""


@dataclass(frozen=True)
class CprPerson:
    """What the register says of a person: the name and the current address."""

    given_name: str
    family_name: str
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    # Name and address protection (navne- og adressebeskyttelse): the address is not given.
    is_address_protected: bool = False


class CprRegister(ABC):
    @abstractmethod
    def lookup(self, cpr: str) -> CprPerson | None:
        """The person with this CPR number (ten digits), or None when the register has no
        such person. Raise CprRegisterError when the register cannot be asked."""


def _text(row: dict[str, Any], key: str, limit: int) -> str:
    return " ".join(str(row.get(key) or "").split())[:limit]


class LocalCprRegister(CprRegister):
    """Answers from a JSON object keyed by CPR number (ten digits, with or without the dash),
    each value with `given_name`, `family_name`, `address_line`, `postal_code`, `city` and
    optionally `is_address_protected`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or self._default_path()

    @staticmethod
    def _default_path() -> Path:
        configured = getattr(settings, "KLINIK_CPR_REGISTER_FILE", "")
        if configured:
            return Path(configured)
        in_data_dir = Path(settings.DATA_DIR) / "cpr_register.json"
        return in_data_dir if in_data_dir.exists() else TEST_FILE

    def lookup(self, cpr: str) -> CprPerson | None:
        try:
            people = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CprRegisterError(f"the local CPR register file {self.path.name}") from exc
        wanted = compact_identifier(cpr)
        for key, row in people.items() if isinstance(people, dict) else []:
            if compact_identifier(key) != wanted or not isinstance(row, dict):
                continue
            protected = bool(row.get("is_address_protected"))
            return CprPerson(
                given_name=_text(row, "given_name", 200),
                family_name=_text(row, "family_name", 200),
                address_line="" if protected else _text(row, "address_line", 200),
                postal_code="" if protected else _text(row, "postal_code", 10),
                city="" if protected else _text(row, "city", 100),
                is_address_protected=protected,
            )
        return None


class ServiceplatformenCprRegister(CprRegister):
    """The CPR register's person lookup on Serviceplatformen. Named, not done: it needs the
    clinic's service agreement and OCES system certificate (`KLINIK_CPR_SERVICEPLATFORMEN`)."""

    def __init__(self) -> None:
        self.config: dict[str, str] = dict(getattr(settings, "KLINIK_CPR_SERVICEPLATFORMEN", {}))

    def lookup(self, cpr: str) -> CprPerson | None:
        raise CprRegisterError("the CPR register via Serviceplatformen is not connected")


def cpr_register() -> CprRegister:
    register: CprRegister = import_string(settings.KLINIK_CPR_REGISTER_BACKEND)()
    return register


def cpr_register_lookup(*, cpr: str) -> CprPerson | None:
    """The register's person for a typed CPR number; None when the number is no CPR number
    (a replacement number is the clinic's own), the register does not know it, or cannot be
    asked (registration goes on by hand)."""
    compact = compact_identifier(cpr)
    if len(compact) != 10 or not compact.isdigit():
        return None
    try:
        return cpr_register().lookup(compact)
    except CprRegisterError:
        return None
