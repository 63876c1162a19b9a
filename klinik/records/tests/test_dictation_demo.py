"""The demo's dictation queue: items through the real services, two with a recording, some
taken, one overdue, a few transcribed so the turnaround has figures; idempotent."""

from __future__ import annotations

import random
import wave
from io import BytesIO

from django.utils import timezone

from klinik.demo.records import demo_dictations, demo_wav
from klinik.records.choices import DictationStatus
from klinik.records.dictation.selectors import dictation_queue, dictation_turnaround
from klinik.records.models import Dictation
from klinik.records.tests import document_files
from klinik.records.tests.document_files import stored_files

data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test


def test_demo_wav_is_a_real_short_recording():
    with wave.open(BytesIO(demo_wav(seconds=3, rng=random.Random(1))), "rb") as audio:
        assert (audio.getnchannels(), audio.getframerate()) == (1, 8000)
        assert audio.getnframes() == 3 * 8000


def test_demo_dictations_fill_the_queue(record_world, data_dir):
    rw = record_world
    made = demo_dictations(unit=rw.unit, rng=random.Random(7))
    assert len(made) == 11
    queue = dictation_queue(actor=rw.secretary_actor)
    assert len(queue) == 8
    assert sum(d.audio_id is not None for d in queue) == 2
    assert len(stored_files(data_dir)) == 2
    assert sum(d.status == DictationStatus.IN_PROGRESS for d in queue) == 2
    assert sum(d.is_overdue for d in queue) == 1
    assert all(d.deadline > timezone.now() for d in queue if not d.is_overdue)
    statuses = list(Dictation.objects.values_list("status", flat=True))
    assert statuses.count(DictationStatus.DONE) == 2
    assert statuses.count(DictationStatus.FOR_SIGNING) == 1
    (turnaround,) = dictation_turnaround(organisation_id=rw.organisation.pk)
    assert (turnaround.sent_count, turnaround.signed_count) == (3, 2)
    assert demo_dictations(unit=rw.unit, rng=random.Random(7)) == []
