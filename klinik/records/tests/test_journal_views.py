"""The journal screens through HTTP: who may open the record (403 without RECORD_READ, 404
across organisations), that opening it is logged, and writing, autosaving, signing and
correcting through the same POSTs the browser sends — with the services' messages at the field
and nothing saved when the input is bad."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.records.choices import ContactKind, EntryType
from klinik.records.journal.note_templates import note_template_defaults
from klinik.records.journal.phrases import phrases_for
from klinik.records.journal.services import ALREADY_CORRECTED, REASON_REQUIRED, TEXT_REQUIRED
from klinik.records.journal.views import JOURNAL_PAGE_SIZE
from klinik.records.models import (
    Contact,
    JournalDraft,
    JournalEntry,
    JournalSignature,
    NoteTemplate,
)
from klinik.records.tests.factories import contact_start, entry_correct, entry_write
from klinik.terminology.models import GlossaryTerm
from klinik.terminology.selectors import term_danish
from klinik.terminology.services import starter_load

HX = {"HTTP_HX_REQUEST": "true"}


def da(message: object) -> str:
    """A message as the Danish interface shows it (HTML-escaped like the template does)."""
    with translation.override("da"):
        text = translation.gettext(message) if isinstance(message, str) else str(message)
    return text.replace("'", "&#x27;").replace('"', "&quot;")


def record_url(patient) -> str:
    return f"/patients/{patient.public_id}/record/"


def write_url(patient) -> str:
    return f"/patients/{patient.public_id}/record/write/"


def draft_url(patient) -> str:
    return f"/patients/{patient.public_id}/record/draft/"


def field_errors(body: str, field_id: str) -> str:
    """The error list rendered with the field `field_id` (Django's field group puts it between
    the label and the widget)."""
    match = re.search(
        rf'<label[^>]*for="{field_id}"[^>]*>.*?</label>(.*?)<(?:input|textarea|select)[^>]*id="{field_id}"',
        body,
        re.S,
    )
    assert match, f"field {field_id} not found"
    return match.group(1)


def record_reads(patient) -> int:
    return AccessLogEntry.objects.filter(patient_id=patient.public_id, object_type="record").count()


# Who may open the record --------------------------------------------------------------------------


def test_health_service_secretary_without_record_read_gets_403_and_nothing_is_logged(
    record_world, client, login_as
):
    rw = record_world
    entry_write(rw.doctor_actor, rw.patient, "Fortroligt notat")
    login_as(rw.world.member(Role.HEALTH_SERVICE_SECRETARY))
    before = record_reads(rw.patient)

    for url in (record_url(rw.patient), f"{record_url(rw.patient)}contacts/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Fortroligt notat" not in response.content.decode()
    response = client.post(write_url(rw.patient), {"entry_type": "note", "text": "Forsøg"})
    assert response.status_code == 403
    assert record_reads(rw.patient) == before
    assert not JournalEntry.objects.filter(text="Forsøg").exists()


def test_another_organisations_record_and_entries_are_404_and_unchanged(
    record_world, client, login_as
):
    rw = record_world
    foreign = entry_write(rw.other_doctor_actor, rw.other_patient, "Andet sted")
    secretary_b = rw.actor(rw.world.member(Role.SECRETARY, rw.world.unit_b))
    unsigned = entry_write(
        secretary_b, rw.other_patient, "Venter på godkendelse", responsible=rw.other_doctor.user
    )
    login_as(rw.doctor)

    assert client.get(record_url(rw.other_patient)).status_code == 404
    assert client.get(f"/journal/{foreign.public_id}/versions/").status_code == 404
    assert client.post(f"/journal/{unsigned.public_id}/sign/").status_code == 404
    response = client.post(
        write_url(rw.patient), {"corrects": foreign.public_id, "text": "x", "reason": "y"}
    )
    assert response.status_code == 404
    assert not JournalSignature.objects.filter(entry=unsigned).exists()
    assert JournalEntry.objects.filter(thread=foreign.thread).count() == 1


def test_opening_the_record_is_logged(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    before = record_reads(rw.patient)

    assert client.get(record_url(rw.patient)).status_code == 200

    assert record_reads(rw.patient) == before + 1
    last = AccessLogEntry.objects.order_by("-seq").first()
    assert last.user_id == rw.secretary.user_id
    assert last.object_type == "record"
    assert last.patient_id == rw.patient.public_id


def test_a_patient_outside_the_unit_asks_for_emergency_access(record_world, client, login_as):
    rw = record_world
    login_as(rw.doctor)
    response = client.get(record_url(rw.patient2))
    assert response.status_code == 403
    assert f"/patients/{rw.patient2.public_id}/break-glass/" in response.content.decode()


# The timeline ------------------------------------------------------------------------------------


def test_timeline_shows_newest_first_with_unapproved_and_corrected_marks(
    record_world, client, login_as
):
    rw = record_world
    now = timezone.now()
    old = entry_write(
        rw.doctor_actor, rw.patient, "Ældste notat", occurred_at=now - timedelta(days=2)
    )
    entry_correct(rw.doctor_actor, old, "Ældste notat, rettet", "Forkert side")
    entry_write(rw.secretary_actor, rw.patient, "Telefonbesked", entry_type=EntryType.PHONE)
    login_as(rw.doctor)

    body = client.get(record_url(rw.patient)).content.decode()

    assert body.index("Telefonbesked") < body.index("Ældste notat, rettet")
    assert "Ældste notat</" not in body  # the superseded text only on the versions page
    assert body.count(da("Not approved")) == 1
    assert da("Corrected") in body
    assert f"/journal/{old.public_id}/versions/" not in body  # links go to the current version
    assert (now - timedelta(days=2)).astimezone(timezone.get_current_timezone()).strftime(
        "%d.%m.%Y"
    ) in body


def test_filters_narrow_the_timeline_through_htmx(record_world, client, login_as):
    rw = record_world
    entry_write(rw.doctor_actor, rw.patient, "Konsultation om knæ")
    entry_write(rw.doctor_actor, rw.patient, "Ringede om svar", entry_type=EntryType.PHONE)
    login_as(rw.doctor)

    response = client.get(record_url(rw.patient), {"type": "phone"}, **HX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Ringede om svar" in body
    assert "Konsultation om knæ" not in body
    assert "<html" not in body  # the timeline only


def test_a_bad_period_is_refused_at_the_field(record_world, client, login_as):
    rw = record_world
    login_as(rw.doctor)
    response = client.get(record_url(rw.patient), {"since": "2025-05-02", "until": "2025-05-01"})
    assert response.status_code == 422
    assert da("The end of the period is before its start.") in field_errors(
        response.content.decode(), "filter-until"
    )


def test_show_more_fetches_the_next_page_by_cursor(record_world, client, login_as):
    rw = record_world
    size = JOURNAL_PAGE_SIZE
    start = timezone.now() - timedelta(days=100)
    for i in range(size + 2):
        entry_write(
            rw.doctor_actor, rw.patient, f"Notat nr. {i}", occurred_at=start + timedelta(hours=i)
        )
    login_as(rw.doctor)

    first = client.get(record_url(rw.patient)).content.decode()
    assert first.count("data-entry ") == size
    assert f"Notat nr. {size + 1}<" in first and "Notat nr. 2<" in first
    assert "Notat nr. 1<" not in first
    more = re.search(r'hx-get="([^"]*before=[^"]*)"', first).group(1).replace("&amp;", "&")

    rest = client.get(more, **HX).content.decode()

    assert "Notat nr. 1<" in rest and "Notat nr. 0<" in rest
    assert f"Notat nr. {size + 1}<" not in rest
    assert "timeline-more" not in rest  # the end


# Writing, autosave, drafts -----------------------------------------------------------------------


def test_secretary_saves_an_entry_that_awaits_approval(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    response = client.post(
        write_url(rw.patient),
        {
            "entry_type": "note",
            "title": "Kontrol",
            "text": "Subjektivt:\nHar det bedre.",
            "responsible": str(rw.doctor.user.public_id),
        },
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get(patient=rw.patient)
    assert response["Location"].endswith(f"/record/#entry-{entry.public_id}")
    assert entry.author == rw.secretary.user
    assert entry.responsible == rw.doctor.user
    assert entry.needs_signature
    assert entry.text == "Subjektivt:\nHar det bedre."
    page = client.get(record_url(rw.patient)).content.decode()
    assert da("Not approved") in page


def test_an_empty_text_is_refused_at_the_field_and_nothing_is_saved(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    response = client.post(write_url(rw.patient), {"entry_type": "note", "text": "   "}, **HX)
    assert response.status_code == 422
    body = response.content.decode()
    assert da(TEXT_REQUIRED) in field_errors(body, "editor-text")
    assert 'aria-invalid="true"' in body
    assert not JournalEntry.objects.exists()


def test_a_responsible_who_may_not_sign_is_refused(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    response = client.post(
        write_url(rw.patient),
        {"entry_type": "note", "text": "Tekst", "responsible": str(rw.nurse.user.public_id)},
    )
    assert response.status_code == 422
    assert 'class="errorlist' in field_errors(response.content.decode(), "editor-responsible")
    assert not JournalEntry.objects.exists()


def test_autosave_keeps_one_draft_and_saving_removes_it(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)

    first = client.post(draft_url(rw.patient), {"entry_type": "note", "text": "Subj"}, **HX)
    assert first.status_code == 200
    draft = JournalDraft.objects.get(patient=rw.patient)
    assert f'value="{draft.public_id}"' in first.content.decode()
    assert "hx-swap-oob" in first.content.decode()

    client.post(
        draft_url(rw.patient),
        {"draft": str(draft.public_id), "entry_type": "phone", "text": "Subjektivt: hoste"},
        **HX,
    )
    draft.refresh_from_db()
    assert JournalDraft.objects.count() == 1
    assert (draft.text, draft.entry_type) == ("Subjektivt: hoste", "phone")
    assert str(draft.public_id) in client.get(record_url(rw.patient)).content.decode()

    resumed = client.get(write_url(rw.patient), {"draft": str(draft.public_id)})
    assert "Subjektivt: hoste" in resumed.content.decode()

    client.post(
        write_url(rw.patient),
        {"draft": str(draft.public_id), "entry_type": "phone", "text": "Subjektivt: hoste"},
    )
    assert JournalEntry.objects.filter(text="Subjektivt: hoste").count() == 1
    assert not JournalDraft.objects.exists()

    # A late autosave of the saved draft does not bring it back.
    late = client.post(
        draft_url(rw.patient), {"draft": str(draft.public_id), "text": "Subjektivt: hoste!"}, **HX
    )
    assert late.status_code == 200
    assert not JournalDraft.objects.exists()


def test_autosave_of_an_empty_editor_saves_nothing(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    response = client.post(draft_url(rw.patient), {"entry_type": "note", "text": ""}, **HX)
    assert response.status_code == 200
    assert not JournalDraft.objects.exists()


def test_drafts_are_private_to_their_author(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    client.post(draft_url(rw.patient), {"entry_type": "note", "text": "Min kladde"}, **HX)
    draft = JournalDraft.objects.get()
    client.logout()
    login_as(rw.nurse)
    assert "Min kladde" not in client.get(record_url(rw.patient)).content.decode()
    response = client.get(write_url(rw.patient), {"draft": str(draft.public_id)})
    assert response.status_code == 302
    discard = f"/patients/{rw.patient.public_id}/record/draft/{draft.public_id}/discard/"
    client.post(discard)
    assert JournalDraft.objects.filter(pk=draft.pk).exists()


def test_the_editor_offers_the_units_default_templates_and_phrases(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    body = client.get(write_url(rw.patient)).content.decode()
    assert "Konsultation (SOAP)" in body
    assert 'data-headings="Subjektivt:\nObjektivt:\nVurdering:\nPlan:"' in body
    assert 'id="journal-phrases"' in body and '".bt"' in body
    assert NoteTemplate.objects.filter(unit=rw.unit).count() == 3


# Signing -----------------------------------------------------------------------------------------


def test_doctor_signs_through_htmx_and_the_row_updates(record_world, client, login_as):
    rw = record_world
    entry = entry_write(
        rw.secretary_actor, rw.patient, "Til underskrift", responsible=rw.doctor.user
    )
    login_as(rw.doctor)
    page = client.get(record_url(rw.patient)).content.decode()
    assert f"/journal/{entry.public_id}/sign/" in page

    response = client.post(f"/journal/{entry.public_id}/sign/", **HX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith("<li")
    assert da("Not approved") not in body
    assert f"/journal/{entry.public_id}/sign/" not in body
    assert JournalSignature.objects.get(entry=entry).signed_by == rw.doctor.user
    again = client.post(f"/journal/{entry.public_id}/sign/", **HX)
    assert again.status_code == 422
    assert da("The entry is already signed.") in again.content.decode()
    assert JournalSignature.objects.filter(entry=entry).count() == 1


def test_a_secretary_cannot_sign_and_another_doctor_is_refused(record_world, client, login_as):
    rw = record_world
    entry = entry_write(rw.secretary_actor, rw.patient, "Til Dorthe", responsible=rw.doctor.user)
    login_as(rw.secretary)
    assert client.post(f"/journal/{entry.public_id}/sign/").status_code == 403
    client.logout()
    login_as(rw.doctor2)
    page = client.get(record_url(rw.patient)).content.decode()
    assert f"/journal/{entry.public_id}/sign/" not in page
    response = client.post(f"/journal/{entry.public_id}/sign/", **HX)
    assert response.status_code == 422
    assert da("Only the responsible clinician can sign this entry.") in response.content.decode()
    assert not JournalSignature.objects.filter(entry=entry).exists()


def test_to_sign_page_lists_and_signs_in_place(record_world, client, login_as):
    rw = record_world
    entry = entry_write(rw.secretary_actor, rw.patient, "Venter", responsible=rw.doctor.user)
    other = entry_write(rw.secretary_actor, rw.patient, "Til en anden", responsible=rw.doctor2.user)
    login_as(rw.doctor)

    page = client.get("/journal/to-sign/").content.decode()
    assert f"to-sign-{entry.public_id}" in page
    assert f"to-sign-{other.public_id}" not in page
    assert "Venter" not in page  # the text is fetched (and logged) on demand

    text = client.get(f"/journal/{entry.public_id}/versions/", **HX).content.decode()
    assert "Venter" in text

    row = client.post(f"/journal/{entry.public_id}/sign/", {"from": "to_sign"}, **HX)
    assert row.status_code == 200
    assert row.content.decode().strip().startswith("<tr")
    assert JournalSignature.objects.filter(entry=entry).exists()
    assert f"to-sign-{entry.public_id}" not in client.get("/journal/to-sign/").content.decode()


def test_dashboard_counts_entries_to_approve_for_signers(record_world, client, login_as):
    rw = record_world
    entry_write(rw.secretary_actor, rw.patient, "Venter", responsible=rw.doctor.user)
    entry_write(rw.secretary_actor, rw.patient, "Venter også", responsible=rw.doctor.user)
    login_as(rw.doctor)
    body = client.get("/dashboard/").content.decode()
    assert 'id="widget-journal_to_sign"' in body
    assert 'id="to-sign-count">2<' in body
    client.logout()
    login_as(rw.secretary)
    assert 'id="widget-journal_to_sign"' not in client.get("/dashboard/").content.decode()


# Corrections -------------------------------------------------------------------------------------


def test_correction_needs_a_reason_and_keeps_the_original(record_world, client, login_as):
    rw = record_world
    entry = entry_write(rw.doctor_actor, rw.patient, "Penicillin 1 mio x 3")
    login_as(rw.doctor)

    form = client.get(write_url(rw.patient), {"corrects": str(entry.public_id)}).content.decode()
    assert "Penicillin 1 mio x 3" in form
    assert 'id="editor-reason"' in form

    refused = client.post(
        write_url(rw.patient), {"corrects": str(entry.public_id), "text": "Penicillin 1 mio x 4"}
    )
    assert refused.status_code == 422
    assert da(REASON_REQUIRED) in field_errors(refused.content.decode(), "editor-reason")
    assert JournalEntry.objects.filter(thread=entry.thread).count() == 1

    saved = client.post(
        write_url(rw.patient),
        {
            "corrects": str(entry.public_id),
            "text": "Penicillin 1 mio x 4",
            "reason": "Forkert dosering",
        },
    )
    assert saved.status_code == 302
    new = JournalEntry.objects.get(supersedes=entry)
    assert (new.version, new.correction_reason) == (2, "Forkert dosering")
    versions = client.get(f"/journal/{new.public_id}/versions/").content.decode()
    assert "Penicillin 1 mio x 3" in versions and "Penicillin 1 mio x 4" in versions
    assert "Forkert dosering" in versions
    assert da("Replaced by version %(n)s") % {"n": 2} in versions


def test_correcting_an_older_version_is_refused_with_a_message(record_world, client, login_as):
    rw = record_world
    entry = entry_write(rw.doctor_actor, rw.patient, "Første")
    entry_correct(rw.doctor_actor, entry, "Anden", "Stavefejl")
    login_as(rw.doctor)

    shown = client.get(write_url(rw.patient), {"corrects": str(entry.public_id)})
    assert shown.status_code == 409
    assert da(ALREADY_CORRECTED) in shown.content.decode()

    posted = client.post(
        write_url(rw.patient),
        {"corrects": str(entry.public_id), "text": "Tredje", "reason": "Igen"},
    )
    assert posted.status_code == 409
    assert not JournalEntry.objects.filter(text="Tredje").exists()


def test_correcting_a_signed_entry_says_the_original_stays(record_world, client, login_as):
    rw = record_world
    entry = entry_write(rw.doctor_actor, rw.patient, "Godkendt tekst")
    assert JournalSignature.objects.filter(entry=entry).exists()
    login_as(rw.doctor)
    body = client.get(write_url(rw.patient), {"corrects": str(entry.public_id)}).content.decode()
    assert 'id="correction-note"' in body
    assert (
        da(
            "The entry is approved. The correction is saved as a new version; the original text "
            "stays readable in the record."
        )
        in body
    )


# Contacts ----------------------------------------------------------------------------------------


def test_contacts_open_list_and_close(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    url = f"{record_url(rw.patient)}contacts/"
    response = client.post(
        url, {"kind": "phone", "reason": "Svar på blodprøver", "responsible": ""}
    )
    assert response.status_code == 302
    contact = Contact.objects.get(patient=rw.patient)
    assert contact.kind == ContactKind.PHONE and contact.is_open
    page = client.get(url).content.decode()
    assert "Svar på blodprøver" in page and da("Open") in page

    client.post(f"{url}{contact.public_id}/close/")
    contact.refresh_from_db()
    assert not contact.is_open
    body = client.get(url).content.decode()
    assert da("Closed") in body


def test_opening_a_contact_of_an_unknown_kind_is_refused_at_the_field(
    record_world, client, login_as
):
    rw = record_world
    login_as(rw.secretary)
    response = client.post(f"{record_url(rw.patient)}contacts/", {"kind": "teleport"})
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "contact-open-kind").strip()
    assert not Contact.objects.exists()


def test_an_open_contact_is_preselected_in_the_editor(record_world, client, login_as):
    rw = record_world
    contact = contact_start(rw.secretary_actor, rw.patient, reason="Telefon")
    login_as(rw.secretary)
    body = client.get(write_url(rw.patient)).content.decode()
    assert re.search(rf'<option value="{contact.public_id}"[^>]*selected', body)


def test_a_contact_left_open_on_another_day_is_not_preselected(
    record_world, client, login_as, clock
):
    rw = record_world
    clock.set(timezone.now() - timedelta(days=3))
    old = contact_start(rw.secretary_actor, rw.patient, reason="Telefon")
    clock.set(timezone.now() + timedelta(days=3))
    login_as(rw.secretary)
    body = client.get(write_url(rw.patient)).content.decode()
    assert f'<option value="{old.public_id}"' in body  # still there to choose
    assert not re.search(rf'<option value="{old.public_id}"[^>]*selected', body)
    assert re.search(r'<option value=""[^>]*selected', body)  # "no contact"
    today = contact_start(rw.secretary_actor, rw.patient, reason="Konsultation")
    body = client.get(write_url(rw.patient)).content.decode()
    assert re.search(rf'<option value="{today.public_id}"[^>]*selected', body)


# Templates and phrases ---------------------------------------------------------------------------


def test_note_template_defaults_are_idempotent(record_world):
    rw = record_world
    note_template_defaults(unit=rw.unit)
    note_template_defaults(unit=rw.unit)
    assert NoteTemplate.objects.filter(unit=rw.unit).count() == 3
    soap = NoteTemplate.objects.get(unit=rw.unit, name="Konsultation (SOAP)")
    assert soap.headings == ["Subjektivt:", "Objektivt:", "Vurdering:", "Plan:"]
    assert ".bt" in {p.shortcut for p in phrases_for(unit=rw.unit)}


def test_templates_are_administered_per_unit(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    listed = client.get("/journal/templates/").content.decode()
    assert "Konsultation (SOAP)" in listed  # a unit without templates starts from the defaults
    response = client.post(
        "/journal/templates/",
        {
            "name": "Øre",
            "entry_type": "note",
            "headings": "Otoskopi:\n\nVurdering:",
            "position": "5",
        },
    )
    assert response.status_code == 302
    template = NoteTemplate.objects.get(name="Øre")
    assert template.headings == ["Otoskopi:", "Vurdering:"]
    assert template.unit == rw.unit

    client.post(f"/journal/templates/{template.public_id}/", {"active": "0"})
    template.refresh_from_db()
    assert not template.is_active

    # Another organisation's staff cannot reach it.
    client.logout()
    login_as(rw.other_doctor)
    assert client.get(f"/journal/templates/{template.public_id}/").status_code == 404
    assert (
        client.post(f"/journal/templates/{template.public_id}/", {"active": "1"}).status_code == 404
    )
    template.refresh_from_db()
    assert not template.is_active


def test_template_admin_needs_record_write(record_world, client, login_as):
    login_as(record_world.world.member(Role.HEALTH_SERVICE_SECRETARY))
    assert client.get("/journal/templates/").status_code == 403


# Latin terms -------------------------------------------------------------------------------------


@pytest.fixture
def glossary(db):
    """The shipped glossary (the migration loads it; a transactional test may have flushed it)."""
    if not GlossaryTerm.objects.filter(latin="otitis media").exists():
        starter_load()


def test_latin_lookup_needs_record_write(record_world, client, login_as):
    login_as(record_world.world.member(Role.HEALTH_SERVICE_SECRETARY))
    assert client.post("/journal/latin/", {"text": "otitis media"}).status_code == 403


def test_latin_terms_are_offered_with_offsets_and_nothing_is_changed(
    record_world, client, login_as, glossary
):
    rw = record_world
    login_as(rw.secretary)
    text = "Pt. med otitis media h.s. Pneumonia kan ikke udelukkes."
    response = client.post("/journal/latin/", {"text": text}, **HX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    start = text.index("otitis media")
    assert re.search(
        rf'data-replace-term="otitis media" data-start="{start}" data-end="{start + 12}" '
        r'data-replace-with="mellemørebetændelse"',
        body,
    )
    assert 'data-replace-with="lungebetændelse"' in body
    assert not JournalDraft.objects.exists() and not JournalEntry.objects.exists()


def test_a_selected_word_outside_the_glossary_is_spelled_by_the_rules(
    record_world, client, login_as, glossary
):
    login_as(record_world.secretary)
    response = client.post(
        "/journal/latin/",
        {"text": "Mistanke om chondromalacia.", "selection": "chondromalacia"},
        **HX,
    )
    body = response.content.decode()
    rendering = term_danish(term="chondromalacia")
    assert (rendering.source, rendering.danish) == ("rules", "kondromalaci")
    assert 'data-replace-term="chondromalacia" data-replace-with="kondromalaci"' in body


def test_a_latin_term_written_twice_is_offered_once_with_each_replacement_once(
    record_world, client, login_as, glossary
):
    login_as(record_world.secretary)
    text = "Cholelithiasis? UL: cholelithiasis. Pneumonia, pneumonia."
    body = client.post("/journal/latin/", {"text": text}, **HX).content.decode()
    assert body.count("data-latin-term") == 2
    # "galdesten" is both the Danish form and the lay word: one button
    assert body.count('data-replace-with="galdesten"') == 1
    assert body.count('data-replace-with="lungebetændelse"') == 1
    assert body.count('data-replace-with="pneumoni"') == 1
    # the one button knows every place the term stands
    first, second = text.index("Pneumonia"), text.index("pneumonia")
    assert f'data-spans="{first}-{first + 9} {second}-{second + 9}"' in body


def test_a_latin_term_is_replaced_by_a_lay_term_never_by_its_explanation(
    record_world, client, login_as, glossary
):
    login_as(record_world.secretary)
    body = client.post(
        "/journal/latin/", {"text": "Rhinitis. Hypothalamus."}, **HX
    ).content.decode()
    # the explanation is shown beside the term, but only the lay word replaces it
    assert "snue (betændelse i næsens slimhinde)" in body
    assert re.findall(r'data-replace-with="([^"]*)"', body) == ["snue"]


# The patient page --------------------------------------------------------------------------------


def test_patient_page_links_to_the_record_for_record_readers(record_world, client, login_as):
    rw = record_world
    login_as(rw.secretary)
    body = client.get(f"/patients/{rw.patient.public_id}/").content.decode()
    assert f'href="{record_url(rw.patient)}"' in body
    client.logout()
    login_as(rw.world.member(Role.HEALTH_SERVICE_SECRETARY))
    body = client.get(f"/patients/{rw.patient.public_id}/").content.decode()
    assert f'href="{record_url(rw.patient)}"' not in body


@pytest.mark.parametrize("path", ["", "contacts/", "write/"])
def test_record_pages_query_count_is_bounded(
    record_world, client, login_as, django_assert_max_num_queries, path
):
    rw = record_world
    for i in range(20):
        entry_write(rw.secretary_actor, rw.patient, f"Notat {i}", responsible=rw.doctor.user)
        contact_start(rw.secretary_actor, rw.patient)
    note_template_defaults(unit=rw.unit)  # seeded on first use; measured here is every use
    login_as(rw.doctor)
    with django_assert_max_num_queries(20):
        assert client.get(f"{record_url(rw.patient)}{path}").status_code == 200
