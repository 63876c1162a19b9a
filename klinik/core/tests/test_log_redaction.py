"""The log filter's safety net: CPR numbers and e-mail addresses are redacted, public ids are
not (a UUID's hex can hold ten digits in a row)."""

from __future__ import annotations

from klinik.core.logging import redact


def test_cpr_numbers_and_e_mail_addresses_are_redacted() -> None:
    text = redact("patient 070761-4285 (0707614285) wrote from mette@example.dk")
    assert text == "patient [cpr] ([cpr]) wrote from [email]"


def test_a_public_id_with_ten_digits_in_its_hex_is_kept_whole() -> None:
    public_id = "6d38f351-50de-475d-aeb7-5f2814489974"
    line = f"Outbox message {public_id} was stuck"
    assert redact(line) == line
