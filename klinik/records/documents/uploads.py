"""What an upload to the record may be: PDFs and images attached to a patient, and dictation
audio. Checked before anything is stored; storage.py keeps the files, services.py adds the row,
serving.py serves it again.

- Content checks: the kind is sniffed from the first bytes (never the name or the browser's
  content type); a PDF must parse with pypdf and carry no JavaScript or launch actions; an image
  must open, verify and decode with Pillow within a pixel limit (no decompression bombs); audio
  must carry a known container's signature (a WAV file must parse). A refused file is never
  stored.
- Size: an upload past the limit stops being read before it reaches the disk
  (`upload_limit_install`), and is refused.
"""

from __future__ import annotations

import io
import os
import warnings
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from klinik.records.choices import DocumentKind
from klinik.records.errors import RecordCode, RecordError

MB = 1024 * 1024
# Larger than any clinical photo or scan needs; decoding stays within a few hundred MB.
IMAGE_MAX_PIXELS = 60_000_000
# A PDF with more objects than this is not a letter or a scan; it is refused unread.
PDF_MAX_OBJECTS = 200_000
HEAD_BYTES = 4096

FILE_REQUIRED = _("Choose a file.")
FILE_EMPTY = _("The file is empty.")
FILE_TOO_LARGE = _("The file is too large: at most %(limit)s MB. Nothing was saved.")
FILE_NOT_DOCUMENT = _(
    "This is not a PDF, JPEG or PNG file. Klinik checks the content of a file, not its name; "
    "nothing was saved."
)
FILE_NOT_AUDIO = _(
    "This is not a sound file Klinik can play (WAV, MP3, Ogg/Opus, M4A/AAC or WebM). Klinik "
    "checks the content of a file, not its name; nothing was saved."
)
PDF_INVALID = _("The PDF file is damaged or cannot be read. Nothing was saved.")
PDF_ENCRYPTED = _(
    "The PDF file is password-protected and cannot be checked. Save it without a password and "
    "upload it again."
)
PDF_ACTIVE = _(
    "The PDF file contains JavaScript or an action that starts a program, and was refused for "
    "safety. Print it to a new PDF and upload that."
)
IMAGE_INVALID = _("The image is damaged or cannot be read. Nothing was saved.")
IMAGE_TOO_LARGE = _(
    "The image has too many pixels (more than %(limit)s megapixels) and was refused. Nothing "
    "was saved."
)
AUDIO_INVALID = _("The sound file is damaged or cannot be read. Nothing was saved.")

DOCUMENT_KINDS = frozenset({DocumentKind.PDF, DocumentKind.IMAGE})
AUDIO_KINDS = frozenset({DocumentKind.AUDIO})


# Sniffing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say a file is."""

    kind: str
    content_type: str
    extension: str


_PDF = Sniffed(DocumentKind.PDF, "application/pdf", "pdf")
_JPEG = Sniffed(DocumentKind.IMAGE, "image/jpeg", "jpg")
_PNG = Sniffed(DocumentKind.IMAGE, "image/png", "png")
_WAV = Sniffed(DocumentKind.AUDIO, "audio/wav", "wav")
_MP3 = Sniffed(DocumentKind.AUDIO, "audio/mpeg", "mp3")
_OGG = Sniffed(DocumentKind.AUDIO, "audio/ogg", "ogg")
_M4A = Sniffed(DocumentKind.AUDIO, "audio/mp4", "m4a")
_AAC = Sniffed(DocumentKind.AUDIO, "audio/aac", "aac")
_WEBM = Sniffed(DocumentKind.AUDIO, "audio/webm", "webm")

# ISO base media brands of audio files (and the generic ones dictaphones and phones write).
_MP4_BRANDS = {b"M4A ", b"M4B ", b"mp41", b"mp42", b"isom", b"iso2", b"dash", b"3gp4", b"3gp5"}


def _is_mpeg_audio_frame(head: bytes) -> bool:
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate not in (0, 15) and rate != 0b11


def sniff(head: bytes) -> Sniffed | None:
    """The kind of file the first bytes announce, or None when it is none Klinik stores."""
    if head.startswith(b"%PDF-"):
        return _PDF
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _WAV
    if head.startswith(b"ID3") or _is_mpeg_audio_frame(head):
        return _MP3
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:  # ADTS, layer 0
        return _AAC
    if head.startswith(b"OggS") and (b"OpusHead" in head[:512] or b"\x01vorbis" in head[:512]):
        return _OGG
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return _M4A
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return _WEBM
    return None


# Content checks ----------------------------------------------------------------------------------

# Names that make a PDF act: scripts, and actions that launch programs. They are looked for in
# the parsed objects (names decoded, object streams opened), never in the raw bytes: a scan's
# image data holds "/JS" by chance, and text may mention it.
_PDF_ACTIVE_KEYS = {"/JS", "/JavaScript"}
_PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch"}


def _pdf_objects(reader: PdfReader) -> Iterator[Any]:
    """Every object reachable from the trailer (indirect objects resolved once each)."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    count = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        count += 1
        if count > PDF_MAX_OBJECTS:
            raise RecordError(PDF_INVALID, code=RecordCode.PDF_INVALID, field="file")
        yield obj
        if isinstance(obj, DictionaryObject):
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _check_pdf(data: bytes, field: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise RecordError(PDF_ENCRYPTED, code=RecordCode.PDF_ENCRYPTED, field=field)
        if len(reader.pages) == 0:
            raise RecordError(PDF_INVALID, code=RecordCode.PDF_INVALID, field=field)
        for obj in _pdf_objects(reader):
            if not isinstance(obj, DictionaryObject):
                continue
            # Names are compared decoded: /J#53 is /JS.
            if _PDF_ACTIVE_KEYS & {str(key) for key in obj}:
                raise RecordError(PDF_ACTIVE, code=RecordCode.PDF_ACTIVE, field=field)
            action = obj.get("/S")
            if isinstance(action, NameObject) and str(action) in _PDF_ACTIVE_ACTIONS:
                raise RecordError(PDF_ACTIVE, code=RecordCode.PDF_ACTIVE, field=field)
    except RecordError:
        raise
    except Exception as exc:  # pypdf raises many kinds on malformed input; all mean "damaged"
        raise RecordError(PDF_INVALID, code=RecordCode.PDF_INVALID, field=field) from exc


def _check_image(data: bytes, sniffed: Sniffed, field: str) -> None:
    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[sniffed.content_type]
    too_large = RecordError(
        str(IMAGE_TOO_LARGE) % {"limit": IMAGE_MAX_PIXELS // 1_000_000},
        code=RecordCode.IMAGE_TOO_LARGE,
        field=field,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                width, height = image.size
                if width * height > IMAGE_MAX_PIXELS:
                    raise too_large
                image.verify()
            # verify() leaves the image unusable; decode it afresh to prove the data is whole
            # (JPEG at 1/8 scale: the whole stream is read, a fraction of the memory used).
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                if expected == "JPEG":
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except RecordError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise RecordError(IMAGE_INVALID, code=RecordCode.IMAGE_INVALID, field=field) from exc


def _riff_is_whole(upload: IO[bytes], size: int) -> bool:
    """A RIFF/WAVE file whose chunks hold a format and some sound data within the file."""
    upload.seek(12)
    offset, has_format = 12, False
    while offset + 8 <= size:
        header = upload.read(8)
        if len(header) < 8:
            return False
        chunk_id, length = header[:4], int.from_bytes(header[4:], "little")
        if chunk_id == b"fmt ":
            has_format = length >= 16 and offset + 8 + length <= size
        elif chunk_id == b"data":
            return has_format and length > 0 and offset + 8 < size
        offset += 8 + length + (length % 2)
        upload.seek(offset)
    return False


def _check_audio(upload: IO[bytes], sniffed: Sniffed, size: int, field: str) -> int | None:
    """The duration in seconds when the container tells it cheaply (WAV), else None."""
    if sniffed is not _WAV:
        return None
    invalid = RecordError(AUDIO_INVALID, code=RecordCode.AUDIO_INVALID, field=field)
    upload.seek(0)
    try:
        with wave.open(upload, "rb") as audio:
            rate, frames = audio.getframerate(), audio.getnframes()
    except (wave.Error, EOFError, ValueError) as exc:
        # Compressed WAV (ADPCM, GSM) plays in the browser but not in the wave module: check
        # its chunks instead.
        if _riff_is_whole(upload, size):
            return None
        raise invalid from exc
    if rate <= 0 or frames <= 0:
        raise invalid
    return round(frames / rate)


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the content checks: what it is and how big."""

    kind: str
    content_type: str
    extension: str
    size: int
    duration_seconds: int | None = None


def upload_limit_bytes(kind: str) -> int:
    megabytes = (
        settings.KLINIK_AUDIO_MAX_MB
        if kind == DocumentKind.AUDIO
        else settings.KLINIK_DOCUMENT_MAX_MB
    )
    return megabytes * MB


def _upload_size(upload: IO[bytes]) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    return int(size)


def upload_check(*, upload: IO[bytes] | None, kinds: frozenset[str], field: str) -> CheckedUpload:
    """Check an upload's content against the kinds accepted here; raise RecordError (at
    `field`) when it is missing, empty, too large, disguised, damaged or active."""
    if upload is None:
        raise RecordError(FILE_REQUIRED, code=RecordCode.FILE_REQUIRED, field=field)
    size = _upload_size(upload)
    if size == 0:
        raise RecordError(FILE_EMPTY, code=RecordCode.FILE_EMPTY, field=field)
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    sniffed = sniff(head)
    if sniffed is None or sniffed.kind not in kinds:
        message = FILE_NOT_AUDIO if kinds == AUDIO_KINDS else FILE_NOT_DOCUMENT
        raise RecordError(message, code=RecordCode.FILE_TYPE, field=field)
    limit = upload_limit_bytes(sniffed.kind)
    if size > limit:
        raise RecordError(
            str(FILE_TOO_LARGE) % {"limit": limit // MB},
            code=RecordCode.FILE_TOO_LARGE,
            field=field,
        )
    duration = None
    if sniffed.kind == DocumentKind.AUDIO:
        duration = _check_audio(upload, sniffed, size, field)
    else:
        upload.seek(0)
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise RecordError(
                str(FILE_TOO_LARGE) % {"limit": limit // MB},
                code=RecordCode.FILE_TOO_LARGE,
                field=field,
            )
        if sniffed.kind == DocumentKind.PDF:
            _check_pdf(data, field)
        else:
            _check_image(data, sniffed, field)
    upload.seek(0)
    return CheckedUpload(
        kind=sniffed.kind,
        content_type=sniffed.content_type,
        extension=sniffed.extension,
        size=size,
        duration_seconds=duration,
    )


class UploadLimitHandler(FileUploadHandler):
    """Stops reading an upload once a file passes `limit` bytes, so an oversized file never
    reaches the disk; the view then refuses it (`request.upload_too_large`). Install before
    the request body is read (the view is csrf_exempt and checks CSRF itself)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def upload_limit_install(request: HttpRequest, *, kinds: frozenset[str]) -> None:
    """Put UploadLimitHandler first for the largest file the view accepts."""
    limit = max(upload_limit_bytes(kind) for kind in kinds)
    request.upload_too_large = False  # type: ignore[attr-defined]
    request.upload_handlers.insert(0, UploadLimitHandler(request, limit))


def upload_too_large_error(*, kinds: frozenset[str], field: str) -> RecordError:
    limit = max(upload_limit_bytes(kind) for kind in kinds)
    return RecordError(
        str(FILE_TOO_LARGE) % {"limit": limit // MB}, code=RecordCode.FILE_TOO_LARGE, field=field
    )
