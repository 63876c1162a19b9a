"""Letters through HTTP: a template with merge fields (an unknown one refused), a letter written
from it to a patient with its PDF, sent by Digital Post (the local backend writes what it would
send), e-mail (consent needed, else visibly failed and in the work queue) or print; the status
history; 404 across organisations."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from django.core import mail
from pypdf import PdfReader

from klinik.core.choices import Role
from klinik.correspondence.letters.choices import LetterKind
from klinik.correspondence.models import Letter, LetterTemplate
from klinik.scheduling.availability import LOCAL

NOW = datetime(2025, 12, 18, 10, 0, tzinfo=LOCAL)


@pytest.fixture
def now(clock):
    clock.set(NOW)
    return NOW


@pytest.fixture
def outbox(settings, tmp_path):
    settings.DIGITAL_POST_OUTBOX_DIR = str(tmp_path / "dp")
    return tmp_path / "dp"


@pytest.fixture
def template(world):
    return LetterTemplate.objects.create(
        organisation=world.org_a,
        unit=world.unit_a,
        kind=LetterKind.INVITATION,
        title="Indkaldelse",
        subject="Indkaldelse til {unit}",
        body="Kære {patient_first_name}\n\nDu er indkaldt.\n\n{preparation}\n\n"
        "Med venlig hilsen {clinician}",
        preparation="Mød fastende.",
    )


@pytest.fixture
def secretary(world):
    return world.member(Role.SECRETARY)


def _write(client, world, template):
    url = f"/breve/patient/{world.patient_a.public_id}/"
    form = client.get(url, {"template": str(template.public_id)}).content.decode()
    assert "Mød fastende." in form and "Indkaldelse til Klinik A" in form
    response = client.post(
        url,
        {
            "template": str(template.public_id),
            "subject": "Indkaldelse til {unit}",
            "body": "Kære {patient_first_name}\n\nMød fastende.",
            "save": "1",
        },
    )
    assert response.status_code == 302, response.content[:400]
    return Letter.objects.get()


def test_a_letter_from_a_template_has_its_pdf_and_goes_by_digital_post(
    client, login_as, secretary, world, template, outbox, now
):
    login_as(secretary)
    letter = _write(client, world, template)
    assert letter.subject == "Indkaldelse til Klinik A"
    assert letter.body.startswith(f"Kære {world.patient_a.given_name}")
    pdf = client.get(f"/breve/{letter.public_id}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Indkaldelse til Klinik A" in text and "Lægehuset A" in text
    response = client.post(f"/breve/{letter.public_id}/send/", {"channel": "digital_post"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "sent" and letter.channel == "digital_post"
    meta = json.loads((outbox / f"{letter.public_id}.json").read_text())
    assert meta["recipient_cpr"] == world.patient_a.cpr and meta["subject"] == letter.subject
    assert (outbox / f"{letter.public_id}.pdf").read_bytes() == bytes(letter.pdf)
    assert list(letter.events.values_list("status", flat=True)) == ["ready", "sent"]
    again = client.post(f"/breve/{letter.public_id}/send/", {"channel": "print"})
    assert again.status_code == 302
    letter.refresh_from_db()
    assert letter.channel == "digital_post" and letter.events.count() == 2


def test_email_without_consent_fails_visibly_and_waits_in_the_work_queue(
    client, login_as, secretary, world, template, now
):
    login_as(secretary)
    letter = _write(client, world, template)
    client.post(f"/breve/{letter.public_id}/send/", {"channel": "email"})
    letter.refresh_from_db()
    assert letter.status == "failed" and letter.error
    page = client.get("/arbejdsliste/").content.decode()
    assert f"/breve/{letter.public_id}/" in page
    world.patient_a.email, world.patient_a.consent_email = "alma@example.org", True
    world.patient_a.save(update_fields=["email", "consent_email"])
    client.post(f"/breve/{letter.public_id}/send/", {"channel": "email"})
    letter.refresh_from_db()
    assert letter.status == "sent" and mail.outbox[-1].to == ["alma@example.org"]
    assert mail.outbox[-1].attachments[0][2] == "application/pdf"
    assert list(letter.events.values_list("status", flat=True)) == ["ready", "failed", "sent"]


def test_a_template_with_an_unknown_merge_field_is_refused(client, login_as, world):
    login_as(world.member(Role.MANAGER))
    response = client.post(
        "/breve/templates/",
        {"kind": "free", "title": "Fri", "subject": "Hej", "body": "Kære {patient_navn}"},
    )
    assert response.status_code == 422
    assert "{patient_navn}" in response.content.decode()
    assert not LetterTemplate.objects.exists()
    ok = client.post(
        "/breve/templates/",
        {"kind": "free", "title": "Fri", "subject": "Hej", "body": "Kære {patient_name}"},
    )
    assert ok.status_code == 302 and LetterTemplate.objects.filter(title="Fri").exists()


def test_a_letter_text_with_an_unknown_merge_field_is_refused(
    client, login_as, secretary, world, now
):
    login_as(secretary)
    response = client.post(
        f"/breve/patient/{world.patient_a.public_id}/",
        {"subject": "Hej", "body": "Kære {navn}", "save": "1"},
    )
    assert response.status_code == 422 and "{navn}" in response.content.decode()
    assert not Letter.objects.exists()


def test_another_organisations_letter_is_a_404(
    client, login_as, secretary, world, template, outbox, now
):
    login_as(secretary)
    letter = _write(client, world, template)
    client.logout()
    login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    for path in ("", "pdf/"):
        assert client.get(f"/breve/{letter.public_id}/{path}").status_code == 404
    assert client.post(f"/breve/{letter.public_id}/send/", {"channel": "print"}).status_code == 404
    letter.refresh_from_db()
    assert letter.status == "ready"
