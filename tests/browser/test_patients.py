"""The patient register at the desk: one-box search, registration with its checks, contact edits.

The patients are created here, through the register's service, with names no demo patient has:
the assertions on hits and their order do not depend on the generated demo data.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, Response, expect

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.models import Membership
from klinik.core.policy import Actor
from klinik.core.services import actor_from_membership
from klinik.patients.models import Patient, PatientChange
from klinik.patients.selectors import age_on
from klinik.patients.services import patient_register

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# The register's own messages, as the Danish UI shows them.
NO_BIRTH_DATE = "CPR-nummeret indeholder ikke en gyldig fødselsdato."
ALREADY_REGISTERED = "Der er allerede oprettet en patient med dette CPR-nummer."
SIMILAR_EXIST = (
    "Der findes patienter med samme fødselsdato og et lignende navn. "
    "Kontrollér, at det ikke er en af dem, før du opretter en ny journal."
)
BAD_PHONE = "Et telefonnummer har 8 cifre, eller + og en landekode."

PATIENT_PAGE = re.compile(r"/patients/[0-9a-f-]{36}/$")
NEW_PATIENT = re.compile(r"/patients/new/$")


@pytest.fixture
def secretary() -> Actor:
    """The demo secretary acting in Lægehuset, as the app's own views would see her."""
    membership = Membership.objects.get(user__username="sekretaer", organisation__slug="laegehuset")
    return actor_from_membership(membership)


def register(actor: Actor, cpr: str, given_name: str, family_name: str, **fields: str) -> Patient:
    return patient_register(
        actor=actor, cpr=cpr, given_name=given_name, family_name=family_name, **fields
    ).patient


def patient_url(patient: Patient) -> str:
    return f"/patients/{patient.public_id}/"


def expect_field_error(scope: Page | Locator, field_id: str, message: str) -> None:
    """The error sits at the field: marked invalid, described by the error, the message shown."""
    field = scope.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}_error\b"))
    expect(scope.locator(f"#{field_id}_error")).to_have_text(message)


def search(page: Page, text: str) -> Locator:
    """Jump to the one-box search with "/", type, and return the hits once they are shown."""
    box = page.locator("#global-search")
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Backspace")
    with page.expect_response(
        lambda r: (
            r.url.endswith("/patients/")
            and r.request.method == "POST"
            and r.request.post_data_json.get("q") == text
        )
    ):
        page.keyboard.type(text)
    expect(box).to_have_attribute("aria-expanded", "true")
    return page.locator("#search-results a[data-hit]")


# Search ---------------------------------------------------------------------------------------


def test_search_by_cpr_with_and_without_dash_opens_the_patient(
    page: Page, secretary: Actor
) -> None:
    patient = register(secretary, "140372-1049", "Torvald", "Kjærsgaard")
    register(secretary, "140372-1057", "Ingolf", "Kjærsgaard")  # same birth date, other number
    age = age_on(patient.birth_date, timezone.localdate())

    log_in(page, "sekretaer")
    box = page.locator("#global-search")
    hits = search(page, "140372-1049")
    expect(hits).to_have_count(1)
    hit = hits.first
    expect(hit).to_have_attribute("href", patient_url(patient))
    expect(hit.locator(".hit-name")).to_have_text("Torvald Kjærsgaard")
    expect(hit.locator(".cpr")).to_have_text("140372-1049")
    expect(hit.locator(".hit-age")).to_have_text(re.compile(rf"^{age}\b"))
    expect(hit.locator(".hit-unit")).to_have_text("Lægehuset")

    # Escape empties the list and leaves the box; "/" comes back to it.
    page.keyboard.press("Escape")
    expect(hits).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_be_focused()

    hits = search(page, "1403721049")
    expect(hits).to_have_count(1)
    expect(hits.first).to_have_attribute("href", patient_url(patient))
    # Enter in the box goes to the results page even with the list loaded: only a highlighted
    # hit opens. There the arrow keys walk into the hits too.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/patients/$"))
    page_hits = page.locator("#search-page-results a[data-hit]")
    expect(page_hits).to_have_count(1)
    expect(page.locator("#search-page-q")).to_be_focused()
    page.wait_for_load_state()
    page.keyboard.press("ArrowDown")
    expect(page_hits.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(patient_url(patient)) + "$"))
    header = page.locator("#patient-header")
    expect(header.locator("h1")).to_have_text("Torvald Kjærsgaard")
    expect(header.locator("#patient-cpr")).to_have_text("140372-1049")

    # Each search is logged without what was typed; the opening of the record is logged too.
    searches = AccessLogEntry.objects.filter(
        action=Action.SEARCH, username="sekretaer", object_type="patient_search"
    )
    assert set(searches.values_list("reason", flat=True)) >= {"identifier: 1 results"}
    assert not searches.filter(reason__contains="140372").exists()
    assert AccessLogEntry.objects.filter(
        action=Action.VIEW, username="sekretaer", patient_id=patient.public_id
    ).exists()


def test_search_by_names_in_any_order_and_danish_letters_spelt_out(
    page: Page, secretary: Actor
) -> None:
    wanted = register(secretary, "230958-1019", "Yrsa", "Quistorp")
    other = register(secretary, "070745-1009", "Yrsa", "Quistgaard")
    register(secretary, "311288-1009", "Yrsa", "Olesen")  # given name only: no hit
    register(secretary, "020601-1009", "Magnus", "Quistorp")  # family name only: no hit
    danish_letters = register(secretary, "140372-1065", "Bjørn Kræn", "Ågesen")

    log_in(page, "sekretaer")
    # Family-name prefix first, given-name prefix last, lower case.
    hits = search(page, "quist yrs")
    expect(hits).to_have_count(2)
    hrefs = [hits.nth(i).get_attribute("href") for i in range(2)]
    assert set(hrefs) == {patient_url(wanted), patient_url(other)}
    # ArrowDown walks into the hits, Enter opens the focused one (not necessarily the first).
    for _ in range(hrefs.index(patient_url(wanted)) + 1):
        page.keyboard.press("ArrowDown")
    focused = page.locator(f"#search-results a[data-hit][href='{patient_url(wanted)}']")
    expect(focused).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(patient_url(wanted)) + "$"))
    expect(page.locator("#patient-header h1")).to_have_text("Yrsa Quistorp")
    expect(page.locator("#patient-cpr")).to_have_text("230958-1019")

    # æ, ø and å typed as ae, oe and aa, on a keyboard without them.
    page.wait_for_load_state("load")
    hits = search(page, "aages kraen bjoer")
    expect(hits).to_have_count(1)
    expect(hits.first.locator(".hit-name")).to_have_text("Bjørn Kræn Ågesen")
    page.keyboard.press("ArrowDown")
    expect(hits.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(patient_url(danish_letters)) + "$"))
    expect(page.locator("#patient-header h1")).to_have_text("Bjørn Kræn Ågesen")
    expect(page.locator("#patient-cpr")).to_have_text("140372-1065")


def test_enter_typed_fast_goes_to_the_results_like_enter_after_the_list(
    page: Page, secretary: Actor
) -> None:
    """Typing and pressing Enter before the live list answers lands where Enter after it does:
    on the results page, never on a patient."""
    register(secretary, "140372-1049", "Torvald", "Kjærsgaard")
    log_in(page, "sekretaer")
    page.wait_for_load_state()
    page.keyboard.press("/")
    page.keyboard.type("kjærs", delay=0)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/patients/$"))
    expect(page.locator("#search-page-q")).to_have_value("kjærs")
    expect(page.locator("#search-page-results a[data-hit] .hit-name")).to_have_text(
        "Torvald Kjærsgaard"
    )


# Registration ---------------------------------------------------------------------------------


def submit(page: Page) -> Response:
    """Submit the registration form with Enter on the focused field or button; the response."""
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    response = navigation.value
    assert response is not None
    return response


def expect_registered(page: Page, response: Response) -> None:
    """The form was accepted: redirected to the new patient's page."""
    assert response.request.redirected_from is not None
    expect(page).to_have_url(PATIENT_PAGE)


def test_register_a_patient_with_the_keyboard_after_a_refused_cpr(page: Page) -> None:
    count = Patient.objects.count()
    log_in(page, "sekretaer")
    page.locator("nav.mainnav a[href='/patients/new/']").click()
    expect(page).to_have_url(NEW_PATIENT)
    # The CPR field has focus before the deferred htmx has wired its live check: typing
    # at once could go unchecked.
    page.wait_for_load_state("load")
    cpr = page.locator("#id_cpr")
    cpr_check = page.locator("#cpr-check")
    expect(cpr).to_be_focused()

    # 31 February: the live check refuses it as soon as the field is left.
    page.keyboard.type("3102001234")
    page.keyboard.press("Tab")
    expect(page.locator("#id_given_name")).to_be_focused()
    expect(cpr_check.locator(".cpr-check.error[role=alert]")).to_have_text(NO_BIRTH_DATE)
    page.keyboard.type("Valdemar")
    page.keyboard.press("Tab")
    expect(page.locator("#id_family_name")).to_be_focused()
    page.keyboard.type("Sommerfeldt")
    assert submit(page).status == 400
    expect_field_error(page, "id_cpr", NO_BIRTH_DATE)
    expect(page.locator("main form .form-errors[role=alert]")).to_be_visible()
    expect(page.locator("#id_given_name")).not_to_have_attribute("aria-invalid", "true")
    assert Patient.objects.count() == count

    # What was typed is kept; a good number registers the patient.
    expect(page.locator("#id_given_name")).to_have_value("Valdemar")
    expect(page.locator("#id_family_name")).to_have_value("Sommerfeldt")
    cpr.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("070745-1017")
    page.keyboard.press("Tab")
    expect(cpr_check.locator(".cpr-check.ok")).to_contain_text("07.07.1945")
    expect(cpr_check.locator(".cpr-check.error")).to_have_count(0)
    expect_registered(page, submit(page))
    expect(page.locator("#patient-header h1")).to_have_text("Valdemar Sommerfeldt")
    expect(page.locator("#patient-cpr")).to_have_text("070745-1017")
    expect(page.locator("ul.messages .msg-success")).to_be_visible()
    assert Patient.objects.count() == count + 1
    patient = Patient.objects.get(cpr="0707451017")
    assert page.url.endswith(patient_url(patient))
    assert (patient.given_name, patient.family_name) == ("Valdemar", "Sommerfeldt")
    assert patient.birth_date == date(1945, 7, 7)
    assert patient.sex == "male"
    assert patient.unit is not None
    assert patient.unit.name == "Lægehuset"
    assert AccessLogEntry.objects.filter(
        action=Action.CREATE, username="sekretaer", patient_id=patient.public_id
    ).exists()


def test_register_refuses_a_duplicate_and_asks_about_a_similar_patient(
    page: Page, secretary: Actor
) -> None:
    existing = register(secretary, "311288-1017", "Gudrun", "Abildgaard")
    count = Patient.objects.count()

    log_in(page, "sekretaer")
    page.goto("/patients/new/")
    page.wait_for_load_state("load")
    page.locator("#id_cpr").fill("311288-1017")
    page.locator("#id_given_name").fill("Gudrun")
    page.locator("#id_family_name").fill("Abildgaard")
    page.locator("#id_family_name").focus()
    assert submit(page).status == 400
    expect_field_error(page, "id_cpr", ALREADY_REGISTERED)
    to_existing = page.locator(f"main form a[href='{patient_url(existing)}']")
    expect(to_existing).to_be_visible()
    expect(page.locator("main .similar")).to_have_count(0)
    assert Patient.objects.count() == count

    # Another number, the same birth date and a similar name: a warning, and a question.
    page.locator("#id_cpr").fill("311288-1025")
    page.locator("#id_family_name").fill("Abildgård")
    page.locator("#id_family_name").focus()
    assert submit(page).status == 400
    similar = page.locator("main .similar[role=alert]")
    expect(similar).to_be_visible()
    expect(similar.locator(f"a[href='{patient_url(existing)}']")).to_contain_text(
        "Gudrun Abildgaard"
    )
    expect(similar).to_contain_text("311288-1017")
    allow = page.locator("#id_allow_similar")
    expect(allow).not_to_be_checked()
    expect_field_error(page, "id_allow_similar", SIMILAR_EXIST)
    expect(page.locator("#id_cpr")).not_to_have_attribute("aria-invalid", "true")
    assert Patient.objects.count() == count
    assert not Patient.objects.filter(cpr="3112881025").exists()

    # Sent again without the tick: still nothing.
    page.locator("#id_family_name").focus()
    assert submit(page).status == 400
    expect(page.locator("main .similar")).to_be_visible()
    assert Patient.objects.count() == count

    # Ticked with the keyboard, then Tab to the button: created.
    page.locator("#id_allow_similar").focus()
    page.keyboard.press("Space")
    expect(page.locator("#id_allow_similar")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("main form button[type=submit]")).to_be_focused()
    expect_registered(page, submit(page))
    expect(page.locator("#patient-header h1")).to_have_text("Gudrun Abildgård")
    expect(page.locator("#patient-cpr")).to_have_text("311288-1025")
    assert Patient.objects.count() == count + 1
    created = Patient.objects.get(cpr="3112881025")
    assert created.family_name == "Abildgård"
    assert page.url.endswith(patient_url(created))
    existing.refresh_from_db()
    assert existing.family_name == "Abildgaard"


# Contact details ------------------------------------------------------------------------------


def open_contact_form(page: Page, patient: Patient) -> Locator:
    """Open the patient page and swap the contact card's edit form in; return the card."""
    page.goto(patient_url(patient))
    page.wait_for_load_state("load")
    card = page.locator("#contact-card")
    expect(card.locator("#contact-facts")).to_contain_text(patient.phone)
    page.locator("#edit-contact").click()
    expect(card.locator("form #id_phone")).to_have_value(patient.phone)
    expect(card.locator("#id_given_name")).to_have_value(patient.given_name)
    # The relatives form beside it must not reuse the contact form's field ids.
    expect(page.locator("#id_phone")).to_have_count(1)
    return card


def save_contact(page: Page, card: Locator) -> None:
    """Save the contact form; a saved change reloads the whole page."""
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    page.wait_for_load_state("load")


def expect_phone_changed(page: Page, patient: Patient, old: str, new: str, reason: str) -> None:
    """On the reloaded page and in the database: the new number and one history row for it."""
    expect(page).to_have_url(re.compile(re.escape(patient_url(patient)) + "$"))
    expect(page.locator("#contact-card form")).to_have_count(0)
    expect(page.locator("#contact-facts")).to_contain_text(new)
    expect(page.locator("ul.messages .msg-success")).to_be_visible()
    rows = page.locator(".history tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text(
        [re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$"), "Susanne Jensen", "phone", old, new, reason]
    )
    patient.refresh_from_db()
    assert patient.phone == new
    assert patient.phone_digits == new
    changes = PatientChange.objects.filter(patient=patient)
    assert [(c.field, c.old_value, c.new_value, c.reason) for c in changes] == [
        ("phone", old, new, reason)
    ]
    assert changes[0].changed_by is not None
    assert changes[0].changed_by.username == "sekretaer"
    assert AccessLogEntry.objects.filter(
        action=Action.UPDATE, username="sekretaer", patient_id=patient.public_id, reason="phone"
    ).exists()


def test_edit_contact_saves_a_new_phone_number_in_the_history(page: Page, secretary: Actor) -> None:
    patient = register(secretary, "020601-1025", "Sigvald", "Rosenkilde", phone="20304050")
    log_in(page, "sekretaer")
    card = open_contact_form(page, patient)
    expect(page.locator(".history")).to_have_count(0)

    # Spaces are allowed when typing; the number is kept as its eight digits.
    card.locator("#id_phone").fill("61 72 83 94")
    card.locator("#id_reason").fill("Patienten har fået nyt nummer")
    save_contact(page, card)
    expect_phone_changed(page, patient, "20304050", "61728394", "Patienten har fået nyt nummer")


def test_edit_contact_refuses_an_invalid_phone_number_at_the_field(
    page: Page, secretary: Actor
) -> None:
    patient = register(secretary, "020601-1017", "Halfdan", "Rosenkilde", phone="20304050")
    log_in(page, "sekretaer")
    card = open_contact_form(page, patient)

    # Seven digits: the error at the field in the form, which stays open; nothing is saved.
    phone = card.locator("#id_phone")
    phone.fill("2030 405")
    with page.expect_response(
        lambda r: r.url.endswith("/contact/") and r.request.method == "POST"
    ) as response:
        card.locator("button[type=submit]").click()
    assert response.value.status == 422
    expect_field_error(card, "id_phone", BAD_PHONE)
    expect(phone).to_have_value("2030 405")
    expect(card.locator(".form-errors[role=alert]")).to_be_visible()
    patient.refresh_from_db()
    assert patient.phone == "20304050"
    assert not PatientChange.objects.filter(patient=patient).exists()

    # Corrected in the same form: saved.
    phone.fill("61728394")
    card.locator("#id_reason").fill("Rettet")
    save_contact(page, card)
    expect_phone_changed(page, patient, "20304050", "61728394", "Rettet")
