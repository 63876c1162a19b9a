"""Item 4 in two keystrokes: the signed dictation's screen offers "Kopi til egen læge"
(Alt+Shift+G) and "Epikrise som brev" (Alt+Shift+L); the latter writes an epikrise letter from
the approved transcript and opens it with the send button focused. An unsigned dictation
offers neither and is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from klinik.core.choices import Role
from klinik.correspondence.letters.choices import LetterKind
from klinik.correspondence.models import Letter
from klinik.correspondence.tests.medcom.test_dictation_copy import _dictation


@pytest.fixture
def doctor(world):
    return world.member(Role.DOCTOR)


def test_a_signed_dictation_becomes_an_epikrise_letter_from_its_screen(
    client, login_as, doctor, world, actor_for, now
):
    dictation = _dictation(actor_for(doctor), world.patient_a)
    login_as(doctor)
    page = client.get(reverse("dictation_work", args=[dictation.public_id])).content.decode()
    assert 'id="dictation-copy-gp" accesskey="g"' in page
    assert 'id="dictation-letter" accesskey="l"' in page
    response = client.post(f"/breve/dictation/{dictation.public_id}/")
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert response["Location"] == f"/breve/{letter.public_id}/"
    assert letter.kind == LetterKind.DISCHARGE and letter.subject == "Epikrise"
    assert letter.body == "Kontrol af BT. Uændret behandling."
    assert letter.status == "ready"
    detail = client.get(response["Location"]).content.decode()
    assert 'id="letter-send" autofocus' in detail


def test_an_unsigned_dictation_offers_no_letter_and_is_refused(
    client, login_as, doctor, world, actor_for, now
):
    dictation = _dictation(actor_for(doctor), world.patient_a, signed=False)
    login_as(doctor)
    page = client.get(reverse("dictation_work", args=[dictation.public_id])).content.decode()
    assert 'id="dictation-letter"' not in page
    client.post(f"/breve/dictation/{dictation.public_id}/")
    assert not Letter.objects.exists()
