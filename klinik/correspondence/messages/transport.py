"""MedCom's transport behind one function. The national network (VANS, and the coming MedCom
infrastructure) is out of reach from here: the local backend writes each Bundle, exactly as it
would be sent, to `$KLINIK_DATA_DIR/medcom/out/<MessageHeader id>.json`. A real backend is
named by the setting `KLINIK_MEDCOM_BACKEND` (only "local" exists) and takes its own settings
with the prefix `KLINIK_MEDCOM_`."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings


class TransportError(Exception):
    """The message could not be handed over: the message fails visibly."""


def outbox_dir() -> Path:
    return Path(getattr(settings, "MEDCOM_OUTBOX_DIR", "") or settings.DATA_DIR / "medcom" / "out")


def medcom_send(bundle: dict[str, Any], *, header_id: uuid.UUID) -> str:
    """Hand the Bundle over; returns the transport's reference (here the file's name)."""
    backend = getattr(settings, "MEDCOM_BACKEND", "local")
    if backend != "local":
        raise TransportError(f"unknown MedCom backend {backend!r}")
    folder = outbox_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"{header_id}.json"
        temporary = path.with_suffix(".part")
        temporary.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise TransportError(
            f"the local MedCom outbox could not be written: {exc.strerror}"
        ) from exc
    return path.name
