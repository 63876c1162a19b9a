"""Serving a stored document (after records.access.document_access, which logged the read):
its stored content type, Content-Disposition, nosniff, a sandboxing CSP and byte ranges
(HTTP 206) so audio can be sought."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from klinik.records.documents.storage import CHUNK, document_path
from klinik.records.models import Document

# Nothing in a served file may run or reach out: no scripts, no plug-ins, no forms, no
# framing by other sites. Chromium's PDF viewer still shows a PDF opened in its own tab under
# `sandbox` (checked with Chromium 156); scripts in PDFs were refused at upload as well.
_CSP_SANDBOX = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox"
)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def document_filename(document: Document) -> str:
    extension = {
        "application/pdf": "pdf",
        "image/jpeg": "jpg",
        "image/png": "png",
        "audio/wav": "wav",
        "audio/mpeg": "mp3",
        "audio/ogg": "ogg",
        "audio/mp4": "m4a",
        "audio/aac": "aac",
        "audio/webm": "webm",
    }.get(document.content_type, "bin")
    stem = re.sub(r'[/\\:*?"<>|]+', "-", document.title).strip(" .-") or "dokument"
    return f"{stem}.{extension}"


def _file_range(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as source:
        source.seek(start)
        remaining = length
        while remaining > 0:
            chunk = source.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


class _RangeNotSatisfiable(Exception):
    pass


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end) of a single satisfiable range; None to serve the whole file (no or an
    unsupported Range header, e.g. several ranges). Raises _RangeNotSatisfiable."""
    match = _RANGE.fullmatch(header.strip())
    if not match or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last N bytes
        length = int(match[2])
        if length == 0:
            raise _RangeNotSatisfiable
        return max(0, size - length), size - 1
    start = int(match[1])
    end = int(match[2]) if match[2] else size - 1
    if start >= size or end < start:
        raise _RangeNotSatisfiable
    return start, min(end, size - 1)


def document_response(
    *, document: Document, download: bool = False, range_header: str = ""
) -> HttpResponse | FileResponse | StreamingHttpResponse:
    """The stored file as an HTTP response. Call after document_access (which logged it)."""
    path = document_path(document)
    size = path.stat().st_size
    response: HttpResponse | FileResponse | StreamingHttpResponse
    try:
        wanted = _byte_range(range_header, size) if range_header else None
    except _RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        if wanted is None:
            response = FileResponse(path.open("rb"), content_type=document.content_type)
            response["Content-Length"] = str(size)
        else:
            start, end = wanted
            response = StreamingHttpResponse(
                _file_range(path, start, end - start + 1),
                status=206,
                content_type=document.content_type,
            )
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    disposition = content_disposition_header(download, document_filename(document))
    assert disposition is not None  # only None without a filename, and there always is one
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["ETag"] = f'"{document.sha256}"'
    response["Content-Security-Policy"] = _CSP_SANDBOX
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
