"""Digital Post behind an adapter. The national service (NgDP, via MitID Erhverv and a
certificate) is out of reach from here: `LocalDigitalPostBackend` writes exactly what it would
send — the message's metadata as JSON and the letter's PDF — to
`$KLINIK_DATA_DIR/digitalpost/out/`. `KLINIK_DIGITAL_POST_BACKEND` names the class; a real
backend reads its own configuration from settings named `KLINIK_DIGITAL_POST_*` (endpoint,
certificate, the sender's CVR and material id)."""

from __future__ import annotations

import hashlib
import json
import os
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class DigitalPostError(Exception):
    """The message was refused or could not be handed over."""


@dataclass(frozen=True)
class DigitalPostMessage:
    recipient_cpr: str  # Digital Post addresses a citizen by CPR number, no consent needed
    sender_name: str
    sender_cvr: str
    subject: str
    reference: str  # the letter's public id
    document_name: str
    document_sha256: str


@dataclass(frozen=True)
class DigitalPostReceipt:
    """The service's word on a message it was handed: delivered ("kvitteret"), or not (the
    citizen is exempt from Digital Post, the mailbox is closed …) with why."""

    reference: str  # the id `send` returned
    is_delivered: bool
    note: str = ""


class DigitalPostBackend(ABC):
    @abstractmethod
    def send(self, message: DigitalPostMessage, document: bytes) -> str:
        """Hand the message over; return the service's id for it. Raise DigitalPostError."""

    def receipts(self) -> list[DigitalPostReceipt]:
        """The receipts that arrived since the last call, each once. None by default."""
        return []


class LocalDigitalPostBackend(DigitalPostBackend):
    def send(self, message: DigitalPostMessage, document: bytes) -> str:
        folder = Path(
            getattr(settings, "DIGITAL_POST_OUTBOX_DIR", "")
            or settings.DATA_DIR / "digitalpost" / "out"
        )
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            (folder / message.document_name).write_bytes(document)
            meta = folder / f"{message.reference}.json"
            temporary = meta.with_suffix(".part")
            temporary.write_text(json.dumps(asdict(message), ensure_ascii=False, indent=1))
            os.replace(temporary, meta)
        except OSError as exc:
            raise DigitalPostError(f"the local Digital Post outbox: {exc.strerror}") from exc
        return f"local:{message.reference}"

    def receipts(self) -> list[DigitalPostReceipt]:
        """Receipts dropped as JSON files ({"reference": "local:…", "delivered": true, "note":
        ""}) in `$KLINIK_DATA_DIR/digitalpost/in/`; each is moved to `in/done/` once read."""
        folder = Path(
            getattr(settings, "DIGITAL_POST_INBOX_DIR", "")
            or settings.DATA_DIR / "digitalpost" / "in"
        )
        if not folder.is_dir():
            return []
        done = folder / "done"
        done.mkdir(mode=0o700, exist_ok=True)
        found = []
        for path in sorted(folder.glob("*.json")):
            try:
                data = json.loads(path.read_text())
                found.append(
                    DigitalPostReceipt(
                        reference=str(data["reference"]),
                        is_delivered=bool(data.get("delivered", False)),
                        note=str(data.get("note", ""))[:300],
                    )
                )
            except (ValueError, KeyError, TypeError, OSError):
                continue  # not a receipt: left where it is for a person to look at
            os.replace(path, done / path.name)
        return found


def digital_post_backend() -> DigitalPostBackend:
    backend: DigitalPostBackend = import_string(settings.KLINIK_DIGITAL_POST_BACKEND)()
    return backend


def digital_post_message(
    *, cpr: str, sender_name: str, sender_cvr: str, subject: str, reference: str, pdf: bytes
) -> DigitalPostMessage:
    return DigitalPostMessage(
        recipient_cpr=cpr,
        sender_name=sender_name,
        sender_cvr=sender_cvr,
        subject=subject,
        reference=reference,
        document_name=f"{reference}.pdf",
        document_sha256=hashlib.sha256(pdf).hexdigest(),
    )
