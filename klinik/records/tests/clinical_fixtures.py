"""Helpers for the clinical tests (coding, measurements, vaccinations).

The SKS starter set is loaded by the terminology's data migration, so codes such as DJ069,
DI10, DE119 and KJEA00 are there in every test database that is not flushed; browser tests
(flushed) call `starter_load()` themselves. `expired_code` adds a diagnosis code that is no
longer valid.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from klinik.records.choices import ContactKind
from klinik.records.journal.services import contact_open
from klinik.records.models import Contact
from klinik.terminology.choices import CodeSource
from klinik.terminology.models import ImportRun, SKSCode

MAIN_CODE = "DJ069"  # Akut øvre luftvejsinfektion UNS
SECOND_CODE = "DI10"  # Essentiel hypertension
THIRD_CODE = "DE119"  # Type 2-diabetes uden komplikationer
PROCEDURE_CODE = "KJEA00"  # Appendektomi
EXAM_CODE = "UXRC00"  # Røntgenundersøgelse af thorax
UNKNOWN_CODE = "DX999"
EXPIRED_CODE = "DZ9990"


@pytest.fixture
def expired_code(db: None) -> str:
    SKSCode.objects.create(
        register="dia",
        code=EXPIRED_CODE,
        text="Udgået testdiagnose",
        valid_from=date(2000, 1, 1),
        valid_to=date(2019, 12, 31),
        source=CodeSource.STARTER,
    )
    # A new run rebuilds the type-ahead index of this process.
    now = timezone.now()
    ImportRun.objects.create(kind="starter", file_name="test", started_at=now, finished_at=now)
    return EXPIRED_CODE


def contact_for(actor: object, patient: object, kind: str = ContactKind.PHYSICAL) -> Contact:
    return contact_open(actor=actor, patient=patient, kind=kind)  # type: ignore[arg-type]
