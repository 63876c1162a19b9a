"""The record (EPJ): contacts, the append-only journal, coding, measurements, vaccinations,
documents and the dictation queue.

One module per area (the shared foreign keys and the append-only base in `base`); they are
one app's models, so the migrations stay in records/migrations.
"""

from klinik.records.models.base import ImmutableModel, ImmutableQuerySet
from klinik.records.models.clinical import (
    ContactDiagnosis,
    ContactProcedure,
    Measurement,
    PatientWarning,
    Problem,
    Vaccination,
)
from klinik.records.models.contacts import Contact, ContactStay
from klinik.records.models.dictation import Dictation
from klinik.records.models.documents import Document
from klinik.records.models.journal import (
    JournalDraft,
    JournalEntry,
    JournalSignature,
    NoteTemplate,
    Phrase,
)

__all__ = [
    "Contact",
    "ContactDiagnosis",
    "ContactProcedure",
    "ContactStay",
    "Dictation",
    "Document",
    "ImmutableModel",
    "ImmutableQuerySet",
    "JournalDraft",
    "JournalEntry",
    "JournalSignature",
    "Measurement",
    "NoteTemplate",
    "PatientWarning",
    "Phrase",
    "Problem",
    "Vaccination",
]
