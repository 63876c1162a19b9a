"""Writes of the MedCom messages: send a CareCommunication (new, to the own GP, a reply, a
forward), receive one (matched by CPR or left for a secretary, always acknowledged), file an
unmatched one on a patient, and the partner directory (one row, a CSV import).

One module per job; the names callers use are here."""

from klinik.correspondence.messages.services.attachments import (
    ATTACHMENT_MAX_BYTES,
    attachment_check,
    attachments_check,
)
from klinik.correspondence.messages.services.copies import (
    COPY_TOPIC,
    dictation_copies_on_signing,
    dictation_copy_to_gp,
)
from klinik.correspondence.messages.services.partners import (
    KIND_WORDS,
    PartnerImport,
    gp_partner,
    own_partner,
    partner_import_csv,
    partner_save,
)
from klinik.correspondence.messages.services.receiving import (
    Received,
    care_message_match,
    care_message_receive,
)
from klinik.correspondence.messages.services.sending import (
    care_message_forward,
    care_message_reply,
    care_message_resend,
    care_message_send,
)

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "COPY_TOPIC",
    "KIND_WORDS",
    "PartnerImport",
    "Received",
    "attachment_check",
    "attachments_check",
    "care_message_forward",
    "care_message_match",
    "care_message_receive",
    "care_message_reply",
    "care_message_resend",
    "care_message_send",
    "dictation_copies_on_signing",
    "dictation_copy_to_gp",
    "gp_partner",
    "own_partner",
    "partner_import_csv",
    "partner_save",
]
