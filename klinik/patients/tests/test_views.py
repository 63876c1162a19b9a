"""The patient screens through Django's test client: Danish errors at the field, nothing
half-written, search terms never in URLs, exports logged."""

import json
import re

import pytest

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.patients.models import Patient, PatientChange, PatientMerge, Relative
from klinik.patients.services import patient_register

FORM = {
    "cpr": "070761-4285",
    "given_name": "Mette",
    "family_name": "Jensen",
    "sex": "",
    "preferred_channel": "sms",
    "consent_sms": "on",
    "language": "da",
    "insurance_group": "1",
}


@pytest.fixture
def secretary(world, client, login_as):
    membership = world.member(Role.SECRETARY)
    login_as(membership)
    return membership


def test_register_through_the_form(secretary, client):
    response = client.post("/patients/new/", FORM)
    assert response.status_code == 302
    patient = Patient.objects.get(cpr="0707614285")
    assert response["Location"] == f"/patients/{patient.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Mette Jensen" in page and "070761-4285" in page


def test_invalid_cpr_shows_a_danish_error_at_the_field(secretary, client):
    before = Patient.objects.count()
    response = client.post("/patients/new/", FORM | {"cpr": "3102001234"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "CPR-nummeret indeholder ikke en gyldig fødselsdato." in body
    assert 'aria-invalid="true"' in body
    assert Patient.objects.count() == before


def test_duplicate_and_similar_warnings(secretary, client):
    client.post("/patients/new/", FORM)
    existing = Patient.objects.get(cpr="0707614285")
    duplicate = client.post("/patients/new/", FORM | {"given_name": "Anden"})
    assert duplicate.status_code == 400
    assert "Der er allerede oprettet en patient med dette CPR-nummer." in duplicate.content.decode()
    assert f"/patients/{existing.public_id}/" in duplicate.content.decode()

    similar = FORM | {"cpr": "0707614269", "given_name": "Mette Marie"}
    warned = client.post("/patients/new/", similar)
    assert warned.status_code == 400
    assert "samme fødselsdato" in warned.content.decode()
    assert not Patient.objects.filter(cpr="0707614269").exists()
    created = client.post("/patients/new/", similar | {"allow_similar": "on"})
    assert created.status_code == 302
    assert Patient.objects.filter(cpr="0707614269").exists()


def test_cpr_check_tells_birth_date_or_error(secretary, client):
    ok = client.post("/patients/cpr-check/", {"cpr": "0707614285"}, HTTP_HX_REQUEST="true")
    assert "07.07.1961" in ok.content.decode()
    bad = client.post("/patients/cpr-check/", {"cpr": "12"}, HTTP_HX_REQUEST="true")
    assert "10 cifre" in bad.content.decode()


def test_search_is_posted_and_never_in_the_url(world, secretary, client):
    response = client.post("/patients/", {"q": world.patient_a.cpr}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert world.patient_a.name in response.content.decode()
    assert response.wsgi_request.get_full_path() == "/patients/"
    page = client.post("/patients/", {"q": world.patient_a.given_name})
    assert world.patient_a.name in page.content.decode()


def test_sms_or_e_mail_as_the_preferred_contact_asks_for_the_consent(world, secretary, client):
    page = client.get("/patients/new/").content.decode()
    # Nothing chosen for the patient that would silently send nothing.
    assert '<option value="digital_post" selected>' in page
    for channel, consent in (("sms", "consent_sms"), ("email", "consent_email")):
        data = FORM | {"preferred_channel": channel, "email": "mette@example.dk"}
        data.pop("consent_sms")
        refused = client.post("/patients/new/", data)
        assert refused.status_code in (400, 422)
        body = refused.content.decode()
        assert "uden samtykke" in body
        assert re.search(rf'name="{consent}"[^>]*aria-invalid="true"', body)
        assert not Patient.objects.filter(cpr="0707614285").exists()
    registered = client.post("/patients/new/", FORM)
    assert registered.status_code == 302
    assert Patient.objects.get(cpr="0707614285").consent_sms


def test_edit_contact_details_inline_keeps_history(world, secretary, client):
    patient = world.patient_a
    url = f"/patients/{patient.public_id}/contact/"
    form = client.get(f"{url}?edit=1", HTTP_HX_REQUEST="true")
    assert 'name="phone"' in form.content.decode()
    data = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "preferred_channel": "sms",
        "consent_sms": "on",
        "language": "da",
        "insurance_group": "1",
        "phone": "1234",
        "reason": "",
    }
    bad = client.post(url, data, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert "8 cifre" in bad.content.decode()
    assert not PatientChange.objects.filter(patient=patient).exists()
    good = client.post(url, data | {"phone": "22 33 44 55"}, HTTP_HX_REQUEST="true")
    assert good.status_code == 200
    assert good["HX-Trigger"] == "patient-changed"
    patient.refresh_from_db()
    assert patient.phone == "22334455"
    assert PatientChange.objects.get(patient=patient, field="phone").new_value == "22334455"


def test_the_relative_form_is_loaded_on_demand(world, secretary, client):
    patient = world.patient_a
    page = client.get(f"/patients/{patient.public_id}/").content.decode()
    assert 'id="relative-add-open"' in page
    assert 'name="relative-name"' not in page
    opened = client.get(f"/patients/{patient.public_id}/relatives/", HTTP_HX_REQUEST="true")
    assert opened.status_code == 200
    assert 'name="relative-name"' in opened.content.decode()


def test_relatives_are_added_and_removed(world, secretary, client):
    patient = world.patient_a
    bad = client.post(
        f"/patients/{patient.public_id}/relatives/",
        {"relative-name": "", "relative-relation": "spouse"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422
    client.post(
        f"/patients/{patient.public_id}/relatives/",
        {
            "relative-name": "Bo Berg",
            "relative-relation": "spouse",
            "relative-may_be_informed": "on",
        },
        HTTP_HX_REQUEST="true",
    )
    relative = Relative.objects.get(patient=patient)
    assert relative.may_be_informed
    client.post(
        f"/patients/{patient.public_id}/relatives/{relative.public_id}/remove/",
        HTTP_HX_REQUEST="true",
    )
    assert not Relative.objects.filter(patient=patient).exists()


def test_protected_address_is_hidden_until_revealed_and_the_reveal_is_logged(
    world, secretary, client
):
    patient = world.patient_a
    patient.address_line = "Hemmelig Vej 7"
    patient.is_address_protected = True
    patient.save()
    page = client.get(f"/patients/{patient.public_id}/").content.decode()
    assert "Hemmelig Vej 7" not in page
    assert "Navne- og adressebeskyttelse" in page
    revealed = client.post(f"/patients/{patient.public_id}/address/", HTTP_HX_REQUEST="true")
    assert "Hemmelig Vej 7" in revealed.content.decode()
    assert AccessLogEntry.objects.filter(
        patient_id=patient.public_id, object_type="protected_address"
    ).exists()


def test_gdpr_export_as_json_and_pdf_is_logged(world, secretary, client):
    patient = world.patient_a
    response = client.get(f"/patients/{patient.public_id}/export.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["patient"]["cpr"] == patient.cpr
    assert "access_log" in data and "relatives" in data and "history" in data
    assert str(patient.public_id) in response["Content-Disposition"]
    assert patient.cpr not in response["Content-Disposition"]
    pdf = client.get(f"/patients/{patient.public_id}/export.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert (
        AccessLogEntry.objects.filter(patient_id=patient.public_id, action=Action.EXPORT).count()
        == 2
    )
    assert client.get(f"/patients/{patient.public_id}/export.exe").status_code == 404


def test_export_needs_its_permission(world, client, login_as):
    login_as(world.member(Role.NURSE))
    assert client.get(f"/patients/{world.patient_a.public_id}/export.json").status_code == 403


def test_merge_through_the_screens_and_undo_by_a_manager(
    world, secretary, client, login_as, actor_for
):
    actor = actor_for(secretary)
    replacement = patient_register(
        actor=actor, cpr="010190-1AB2", given_name="Anna", family_name="Berg"
    ).patient
    real = patient_register(
        actor=actor, cpr="0101901234", given_name="Anna", family_name="Berg"
    ).patient
    url = f"/patients/{real.public_id}/merge/"
    assert client.get(f"{url}?other={replacement.public_id}").status_code == 200
    response = client.post(url, {"other": str(replacement.public_id), "confirm": "1"})
    assert response.status_code == 302
    merge = PatientMerge.objects.get()
    assert merge.target == real

    client.post("/logout/")
    login_as(world.member(Role.MANAGER))
    assert client.get("/patients/merges/").status_code == 200
    refused = client.post(f"/patients/merges/{merge.public_id}/undo/", {"reason": ""})
    assert refused.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is None
    client.post(f"/patients/merges/{merge.public_id}/undo/", {"reason": "fejl"})
    merge.refresh_from_db()
    assert merge.undone_at is not None


def test_restriction_screen(world, secretary, client):
    patient = world.patient_a
    url = f"/patients/{patient.public_id}/restriction/"
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Ønsker sletning"}).status_code == 302
    patient.refresh_from_db()
    assert patient.is_restricted


def test_the_relatives_list_keeps_its_order_after_an_add(world, secretary, client):
    """The list answered after an add is in the patient page's order: the primary contact
    first, then by name (not in the order they were added)."""
    patient = world.patient_a
    for name, primary in (("Dorte Holm", ""), ("Carl Berg", ""), ("Bent Dam", "on")):
        client.post(
            f"/patients/{patient.public_id}/relatives/",
            {
                "relative-name": name,
                "relative-relation": "child",
                "relative-is_primary_contact": primary,
            },
            HTTP_HX_REQUEST="true",
        )
    answer = client.post(
        f"/patients/{patient.public_id}/relatives/",
        {"relative-name": "Anna Ask", "relative-relation": "spouse"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    shown = [answer.index(name) for name in ("Bent Dam", "Anna Ask", "Carl Berg", "Dorte Holm")]
    assert shown == sorted(shown)
