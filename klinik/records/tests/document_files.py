"""Real little files for the document and dictation tests (and the demo's and browser test's
WAV): a PDF made with reportlab, one carrying JavaScript, images made with Pillow, a WAV made
with the wave module. Synthetic content only."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from reportlab.pdfgen import canvas


def pdf_bytes(text: str = "Epikrise fra Regionshospital Nord") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 760, text)
    page.showPage()
    page.save()
    return out.getvalue()


def pdf_with_javascript(script: str = "app.alert('hej');") -> bytes:
    """A valid PDF whose open action runs JavaScript."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    action = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(script),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (32, 16), color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (32, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, "JPEG")
    return out.getvalue()


def wav_bytes(seconds: float = 2.0, rate: int = 8000, tone: float = 440.0) -> bytes:
    """A mono 16-bit WAV: a tone with a pause in the middle."""
    frames = bytearray()
    total = int(seconds * rate)
    for i in range(total):
        silent = total // 3 <= i < total // 2
        value = 0 if silent else int(8000 * math.sin(2 * math.pi * tone * i / rate))
        frames += struct.pack("<h", value)
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(frames))
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(data_dir: Path) -> list[Path]:
    """Every file under DATA_DIR/documents (temporary files included)."""
    root = data_dir / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    """A private DATA_DIR for the stored files of one test."""
    settings.DATA_DIR = tmp_path
    return tmp_path
