"""A sent letter in the patient's record: an "Udgående brev" journal entry (append-only, see
records.models.base) with the letter's PDF as a record document (ADR 0009). The records app's
own services write both, inside the sending transaction, so a letter is in the record exactly
when it is sent."""

from __future__ import annotations

import io
from pathlib import Path

from django.utils.translation import gettext

from klinik.audit.choices import Channel
from klinik.core.policy import Actor
from klinik.correspondence.letters.choices import LetterChannel
from klinik.correspondence.models import Letter
from klinik.records.choices import EntryType
from klinik.records.documents.services import document_create, title_clean
from klinik.records.documents.uploads import DOCUMENT_KINDS, upload_check
from klinik.records.journal.services import EntryDraft, journal_entry_create

ENTRY_TITLE = "Udgående brev: %(subject)s"


def letter_file_in_record(
    *, actor: Actor, letter: Letter, channel: str, written: list[Path]
) -> None:
    """Add the letter to the record as it is sent: a journal entry of type "letter out" with
    the text and how it went, and the PDF as a document. A step of the caller's transaction
    (inside `files_removed_on_failure`, whose list `written` gets the PDF's file)."""
    if letter.entry_id is not None:
        return  # filed when it was first sent
    channel_label = str(dict(LetterChannel.choices).get(channel, channel))
    entry = journal_entry_create(
        actor=actor,
        patient=letter.patient,
        draft=EntryDraft(
            entry_type=EntryType.LETTER_OUT,
            title=(ENTRY_TITLE % {"subject": letter.subject})[:200],
            text=f"{letter.body}\n\n"
            + gettext("Sent by %(channel)s. The letter as sent is in the documents as a PDF.")
            % {"channel": channel_label},
        ),
        channel=Channel.UI,
    )
    pdf = bytes(letter.pdf)
    upload = io.BytesIO(pdf)
    checked = upload_check(upload=upload, kinds=DOCUMENT_KINDS, field="pdf")
    document = document_create(
        actor=actor,
        patient=letter.patient,
        upload=upload,
        checked=checked,
        title=title_clean(ENTRY_TITLE % {"subject": letter.subject}),
        written=written,
    )
    letter.entry, letter.document = entry, document
    letter.save(update_fields=["entry", "document"])
