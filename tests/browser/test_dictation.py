"""Transcribing a dictation in a real browser: the doctor uploads a short recording, a
secretary takes it from the queue, works the player by keyboard (speed shown), types the
transcript (autosaved) and sends it for approval; the doctor finds it to approve and signs."""

from __future__ import annotations

import io
import math
import os
import re
import struct
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer
from reportlab.pdfgen import canvas

from klinik.core.choices import Role
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory
from klinik.records.choices import DictationStatus, EntryType
from klinik.records.documents.uploads import FILE_NOT_DOCUMENT
from klinik.records.models import Dictation, Document

from .conftest import CHROMIUM, CHROMIUM_ARGS, NAVIGATION_TIMEOUT_MS, TIMEOUT_MS
from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser]

# KLINIK_SCREENSHOTS=<dir> keeps screenshots of the steps, for looking at the screens.
SHOTS = os.environ.get("KLINIK_SCREENSHOTS")
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
TIMES = "\u00d7"  # the multiplication sign after the speed
TRANSCRIPT = "Patienten set til kontrol.\nBlodtryk 128/82. Fortsætter uændret behandling."


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/dictation-{name}.png", full_page=True)


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    """Stored files go to a private directory (the live server runs in this process)."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """Eight seconds of tone and silence, 8 kHz mono, made with the wave module."""
    rate, frames = 8000, bytearray()
    for i in range(8 * rate):
        silent = (i // (rate // 2)) % 3 == 2
        value = 0 if silent else int(7000 * math.sin(2 * math.pi * 220 * i / rate))
        frames += struct.pack("<h", value)
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(frames))
    path = tmp_path / "optagelse.wav"
    path.write_bytes(out.getvalue())
    return path


def _wait_until(page: Page, expression: str, timeout_ms: int = 10_000) -> None:
    """Poll an expression from outside the page: the page's CSP forbids the eval that
    page.wait_for_function needs once it has to poll."""
    waited = 0
    while not page.evaluate(expression):
        if waited >= timeout_ms:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(50)
        waited += 50


def _audio(page: Page, expression: str):
    return page.evaluate(
        f"(() => {{ const a = document.getElementById('dictation-audio'); "
        f"return {expression}; }})()"
    )


@pytest.mark.usefixtures("demo")
def test_doctor_dictates_secretary_transcribes_doctor_approves(
    page: Page, data_dir: Path, recording: Path
) -> None:
    patient = Patient.objects.filter(organisation__slug="laegehuset").order_by("pk").first()
    assert patient is not None
    documents_url = f"/patients/{patient.public_id}/record/documents/"

    # The doctor dictates: urgent, with a recording and an instruction.
    log_in(page, "laege")
    page.goto(documents_url)
    page.locator("#dictation-new").click()
    expect(page).to_have_url(re.compile(r"/record/dictations/new/$"))
    page.locator("input[name=priority][value=urgent]").check()
    page.locator("#id_instructions").fill("Kopi til patienten")
    page.locator("#id_audio").set_input_files(str(recording))
    _shot(page, "1-new")
    page.locator("#dictation-submit").click()
    expect(page).to_have_url(re.compile(re.escape(documents_url) + "$"))
    expect(page.locator("ul.messages .msg-success")).to_be_visible()
    _shot(page, "0-documents")
    dictation = Dictation.objects.filter(author__username="laege").latest("created_at")
    assert dictation.audio is not None
    assert (dictation.priority, dictation.duration_seconds) == ("urgent", 8)
    assert (settings.DATA_DIR / "documents" / dictation.audio.storage_key).exists()
    log_out(page)

    # The secretary finds it in the queue (the menu shows the waiting count) and takes it.
    log_in(page, "sekretaer")
    nav = page.locator("nav.mainnav a[href='/dictation/']")
    expect(nav.locator(".badge")).to_have_text(re.compile(r"^\d+$"))
    nav.click()
    row = page.locator(f"#dictation-{dictation.public_id}")
    expect(row).to_contain_text(patient.name)
    expect(page.locator("#dictation-queue tr.overdue")).to_have_count(1)  # the demo's
    _shot(page, "2-queue")
    row.locator("button[data-take]").click()
    expect(page).to_have_url(re.compile(rf"/dictation/{dictation.public_id}/$"))
    assert Dictation.objects.get(pk=dictation.pk).status == DictationStatus.IN_PROGRESS

    # The player: seeking needs the metadata, fetched with byte ranges.
    _wait_until(page, "document.getElementById('dictation-audio').readyState >= 1")
    assert _audio(page, "Math.round(a.duration)") == 8
    text = page.locator("#dictation-text")
    text.click()
    speed = page.locator("#dictation-speed")
    expect(speed).to_have_text("1,0" + TIMES)
    page.keyboard.press("Control+ArrowUp")
    expect(speed).to_have_text("1,1" + TIMES)
    page.keyboard.press("Control+ArrowUp")
    page.keyboard.press("Control+ArrowUp")
    expect(speed).to_have_text("1,3" + TIMES)
    page.keyboard.press("Control+ArrowDown")
    expect(speed).to_have_text("1,2" + TIMES)
    assert _audio(page, "a.playbackRate") == pytest.approx(1.2)
    page.keyboard.press("F5")  # forward 3 s (and no reload)
    _wait_until(page, "document.getElementById('dictation-audio').currentTime >= 2.9")
    page.keyboard.press("Control+ArrowRight")
    _wait_until(page, "document.getElementById('dictation-audio').currentTime >= 5.9")
    page.keyboard.press("F3")  # back 3 s
    _wait_until(page, "document.getElementById('dictation-audio').currentTime <= 3.1")
    expect(page).to_have_url(re.compile(rf"/dictation/{dictation.public_id}/$"))
    page.keyboard.press("F4")  # play
    _wait_until(page, "!document.getElementById('dictation-audio').paused")
    page.keyboard.press("Control+Space")  # pause
    _wait_until(page, "document.getElementById('dictation-audio').paused")
    expect(text).to_have_value(dictation.text)  # no key reached the transcript

    # The transcript is autosaved while typing, then sent for approval.
    text.fill(TRANSCRIPT)
    expect(page.locator("#dictation-status .status-saved")).to_be_visible()
    assert Dictation.objects.get(pk=dictation.pk).text == TRANSCRIPT
    _shot(page, "3-work")
    page.locator("#dictation-send").click()
    expect(page).to_have_url(re.compile(r"/dictation/$"))
    expect(page.locator("ul.messages .msg-success")).to_be_visible()
    dictation.refresh_from_db()
    assert dictation.status == DictationStatus.FOR_SIGNING
    entry = dictation.entry
    assert (entry.entry_type, entry.text, entry.needs_signature) == (
        EntryType.DICTATION,
        TRANSCRIPT,
        True,
    )
    assert entry.responsible.username == "laege"
    log_out(page)

    # The doctor sees it to approve, and approves it.
    log_in(page, "laege")
    page.goto("/journal/to-sign/")
    to_sign = page.locator(f"#to-sign-{entry.public_id}")
    expect(to_sign).to_contain_text(patient.name)
    _shot(page, "4-to-sign")
    to_sign.locator("button[type=submit]").click()
    expect(page.locator(f"#to-sign-{entry.public_id} .badge.ok")).to_be_visible()
    dictation.refresh_from_db()
    assert dictation.status == DictationStatus.DONE


def test_documents_tab_refuses_a_disguised_file_and_shows_a_pdf(
    transactional_db: None, page: Page, data_dir: Path, tmp_path: Path
) -> None:
    """An HTML page named .pdf is refused at the field, nothing stored; a real PDF is added
    and opens in its own tab."""
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="dokumenter")
    patient = PatientFactory(unit=unit, given_name="Alma", family_name="Skov")
    disguised = tmp_path / "svar.pdf"
    disguised.write_bytes(b"<html><body><script>alert(1)</script></body></html>")
    real = tmp_path / "Epikrise.pdf"
    sheet = canvas.Canvas(str(real))
    sheet.drawString(72, 760, "Epikrise fra Regionshospital Nord")
    sheet.save()

    log_in(page, "dokumenter", TEST_PASSWORD)
    page.goto(f"/patients/{patient.public_id}/record/documents/")
    form = page.locator("#document-upload")
    form.locator("#id_file").set_input_files(str(disguised))
    form.locator("button[type=submit]").click()
    expect(form.locator("#id_file")).to_have_attribute("aria-invalid", "true")
    with translation.override("da"):
        refusal = str(FILE_NOT_DOCUMENT)
    expect(form.locator(".errorlist")).to_have_text(refusal)
    assert not list((data_dir / "documents").rglob("*.pdf"))
    assert not Document.objects.filter(patient=patient, content_type="application/pdf").exists()

    form = page.locator("#document-upload")
    form.locator("#id_file").set_input_files(str(real))
    form.locator("button[type=submit]").click()
    row = page.locator("#documents tr", has_text="Epikrise")
    expect(row).to_be_visible()
    with page.context.expect_page() as opened:
        row.get_by_role("link", name=re.compile("Vis|Show")).click()
    viewer = opened.value
    viewer.wait_for_load_state()
    assert viewer.evaluate("document.contentType") == "application/pdf"
    viewer.close()


@pytest.fixture
def microphone_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A browser with a fake microphone (a tone), allowed without asking."""
    chromium = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
        headless=True,
    )
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    yield context.new_page()
    context.close()
    chromium.close()


def test_doctor_records_a_dictation_in_the_browser(
    transactional_db: None, microphone_page: Page, data_dir: Path
) -> None:
    """MediaRecorder → WebM/Opus, handed to the form's file field and checked like any upload."""
    page = microphone_page
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    MembershipFactory(unit=unit, role=Role.DOCTOR, user__username="diktat")
    patient = PatientFactory(unit=unit, given_name="Alma", family_name="Skov")

    log_in(page, "diktat", TEST_PASSWORD)
    page.goto(f"/patients/{patient.public_id}/record/dictations/new/")
    recorder = page.locator("#dictation-recorder")
    expect(recorder).to_be_visible()
    recorder.locator("#recorder-start").click()
    expect(recorder.locator("#recorder-stop")).to_be_enabled()
    page.wait_for_timeout(1600)
    recorder.locator("#recorder-stop").click()
    expect(recorder.locator("#recorder-preview")).to_be_visible()
    assert page.evaluate("document.getElementById('id_audio').files.length") == 1
    page.locator("#dictation-submit").click()
    expect(page).to_have_url(re.compile(r"/record/documents/$"))
    dictation = Dictation.objects.get(patient=patient)
    assert dictation.audio.content_type == "audio/webm"
    assert dictation.audio.size > 1000
    assert dictation.duration_seconds in (1, 2)
