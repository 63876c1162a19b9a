"""Digital Post's receipts ("kvitteret", issue 15 item 2): the local backend reads receipts
dropped in its inbox; delivered makes a sent letter acknowledged, not delivered makes it failed
with the reason and puts it in the work queue; a receipt for no letter changes nothing."""

from __future__ import annotations

import json

import pytest

from klinik.core.choices import Role
from klinik.correspondence.letters.receipts import letter_receipts_collect
from klinik.correspondence.models import Letter
from klinik.records.tests import document_files

data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test


@pytest.fixture
def inbox(settings, tmp_path):
    settings.DIGITAL_POST_OUTBOX_DIR = str(tmp_path / "dp-out")
    settings.DIGITAL_POST_INBOX_DIR = str(tmp_path / "dp-in")
    (tmp_path / "dp-in").mkdir()
    return tmp_path / "dp-in"


def _sent(client, world) -> Letter:
    url = f"/breve/patient/{world.patient_a.public_id}/"
    client.post(url, {"subject": "Svar", "body": "Kære {patient_first_name}", "save": "1"})
    letter = Letter.objects.latest("id")
    client.post(f"/breve/{letter.public_id}/send/", {"channel": "digital_post"})
    letter.refresh_from_db()
    assert letter.status == "sent"
    return letter


def test_receipts_acknowledge_or_fail_the_letters(client, login_as, world, inbox, data_dir):
    login_as(world.member(Role.SECRETARY))
    delivered, refused = _sent(client, world), _sent(client, world)
    (inbox / "1.json").write_text(
        json.dumps({"reference": delivered.provider_reference, "delivered": True})
    )
    (inbox / "2.json").write_text(
        json.dumps(
            {"reference": refused.provider_reference, "delivered": False, "note": "fritaget"}
        )
    )
    (inbox / "3.json").write_text(json.dumps({"reference": "local:unknown", "delivered": True}))
    assert letter_receipts_collect() == 2
    delivered.refresh_from_db()
    refused.refresh_from_db()
    assert delivered.status == "acknowledged"
    assert list(delivered.events.values_list("status", flat=True)) == [
        "ready",
        "sent",
        "acknowledged",
    ]
    assert refused.status == "failed" and "fritaget" in refused.error
    assert f"/breve/{refused.public_id}/" in client.get("/arbejdsliste/").content.decode()
    assert f"/breve/{delivered.public_id}/" not in client.get("/arbejdsliste/").content.decode()
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["1.json", "2.json", "3.json"]
    assert letter_receipts_collect() == 0  # each receipt is read once
    client.post(f"/breve/{refused.public_id}/send/", {"channel": "print"})
    refused.refresh_from_db()
    assert refused.status == "sent"  # sent another way; the record holds it once
    assert refused.entry is not None
