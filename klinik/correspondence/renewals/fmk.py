"""FMK (Fælles Medicinkort) behind an adapter. Prescribing happens in FMK, which needs the
doctor's own signature and a certificate this project cannot hold: `LocalFmkBackend` writes
exactly what it would send for an approved renewal — the patient's CPR, the medication, dose,
pharmacy and the approving doctor — as JSON to `$KLINIK_DATA_DIR/fmk/out/`.
`KLINIK_FMK_BACKEND` names the class (ADR 0027)."""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class FmkError(Exception):
    """FMK refused the renewal or could not be reached."""


@dataclass(frozen=True)
class FmkRenewal:
    reference: str  # the renewal's public id
    patient_cpr: str
    medication: str
    dose: str
    pharmacy: str
    prescriber_name: str
    prescriber_username: str
    organisation_name: str
    approved_at: str  # ISO 8601, UTC


class FmkBackend(ABC):
    @abstractmethod
    def renew(self, renewal: FmkRenewal) -> str:
        """Renew the prescription; return FMK's id for it. Raise FmkError."""


class LocalFmkBackend(FmkBackend):
    def renew(self, renewal: FmkRenewal) -> str:
        folder = Path(getattr(settings, "FMK_OUTBOX_DIR", "") or settings.DATA_DIR / "fmk" / "out")
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            target = folder / f"{renewal.reference}.json"
            temporary = target.with_suffix(".part")
            temporary.write_text(json.dumps(asdict(renewal), ensure_ascii=False, indent=1))
            os.replace(temporary, target)
        except OSError as exc:
            raise FmkError(f"the local FMK outbox: {exc.strerror}") from exc
        return f"local:{renewal.reference}"


def fmk_backend() -> FmkBackend:
    backend: FmkBackend = import_string(settings.KLINIK_FMK_BACKEND)()
    return backend
