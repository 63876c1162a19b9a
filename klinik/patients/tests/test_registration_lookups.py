"""What registration looks up: the town from the postal code (the endpoint the form asks, and
the register filling an empty town), and the national CPR register behind its adapter (the
local backend's test file; the Serviceplatformen one named, not connected)."""

from __future__ import annotations

import json

import pytest

from klinik.core.choices import Role
from klinik.patients.cpr_register import (
    CprPerson,
    CprRegisterError,
    LocalCprRegister,
    ServiceplatformenCprRegister,
    cpr_register_lookup,
)
from klinik.patients.models import Patient

FORM = {
    "cpr": "070761-4285",
    "given_name": "Mette",
    "family_name": "Jensen",
    "address_line": "Søndergade 3",
    "postal_code": "8000",
    "city": "",
    "sex": "",
    "preferred_channel": "digital_post",
    "language": "da",
    "insurance_group": "1",
}


@pytest.fixture
def secretary(world, client, login_as):
    membership = world.member(Role.SECRETARY)
    login_as(membership)
    return membership


# Postal code → town ------------------------------------------------------------------------------


def test_the_lookup_endpoint_answers_the_town_or_null(secretary, client):
    assert client.get("/patients/postal-code/", {"code": "8000"}).json() == {"city": "Aarhus C"}
    assert client.get("/patients/postal-code/", {"code": "9999"}).json() == {"city": None}
    assert client.get("/patients/postal-code/", {"code": "abc"}).json() == {"city": None}


def test_the_lookup_endpoint_needs_patient_edit(world, client, login_as):
    login_as(world.member(Role.LAB_TECHNICIAN))
    assert client.get("/patients/postal-code/", {"code": "8000"}).status_code == 403


def test_an_empty_town_is_filled_from_the_postal_code_and_a_typed_one_is_kept(secretary, client):
    assert client.post("/patients/new/", FORM).status_code == 302
    assert Patient.objects.get(cpr="0707614285").city == "Aarhus C"
    typed = FORM | {
        "cpr": "070761-4293",
        "given_name": "Ulrik",
        "family_name": "Bak",
        "city": "Århus",
    }
    assert client.post("/patients/new/", typed).status_code == 302
    assert Patient.objects.get(cpr="0707614293").city == "Århus"
    # A code the table lacks: the town stays as typed (here empty), nothing refused.
    unknown = FORM | {
        "cpr": "070761-4307",
        "given_name": "Vibeke",
        "family_name": "Krog",
        "postal_code": "9999",
    }
    assert client.post("/patients/new/", unknown).status_code == 302
    assert Patient.objects.get(cpr="0707614307").city == ""


def test_the_form_asks_the_postal_lookup_and_says_enter_registers(secretary, client):
    body = client.get("/patients/new/").content.decode()
    assert 'data-postal-lookup="/patients/postal-code/"' in body
    assert "data-enter-submits" in body
    assert "Postnummeret findes ikke i tabellen over danske postnumre: skriv byen." in body
    # The fields typed for every patient come first, in the order they are said.
    order = [
        body.index(f'name="{name}"')
        for name in (
            "cpr",
            "given_name",
            "family_name",
            "address_line",
            "postal_code",
            "city",
            "phone",
            "sex",
        )
    ]
    assert order == sorted(order)


# The CPR register --------------------------------------------------------------------------------


def test_the_local_register_answers_from_the_test_file():
    register = LocalCprRegister()
    assert register.lookup("1203561234") == CprPerson(
        given_name="Karen Margrethe",
        family_name="Holmgaard",
        address_line="Vestergade 12, 2. tv.",
        postal_code="8000",
        city="Aarhus C",
    )
    assert register.lookup("0101011234") is None
    # Name and address protection: the name, never the address.
    protected = register.lookup("230491-1066")
    assert protected is not None and protected.is_address_protected
    assert (protected.address_line, protected.postal_code, protected.city) == ("", "", "")


def test_the_register_file_is_a_setting(settings, tmp_path):
    people = tmp_path / "cpr.json"
    people.write_text(json.dumps({"0101011234": {"given_name": "Ole", "family_name": "Ny"}}))
    settings.KLINIK_CPR_REGISTER_FILE = str(people)
    assert cpr_register_lookup(cpr="010101-1234") == CprPerson(given_name="Ole", family_name="Ny")
    assert cpr_register_lookup(cpr="120356-1234") is None
    assert cpr_register_lookup(cpr="010190-1AB2") is None  # a replacement number: not asked
    people.write_text("{not json")
    assert cpr_register_lookup(cpr="010101-1234") is None  # cannot be asked: typed by hand
    with pytest.raises(CprRegisterError):
        LocalCprRegister().lookup("0101011234")


def test_serviceplatformen_is_named_and_not_connected(settings):
    settings.KLINIK_CPR_REGISTER_BACKEND = (
        "klinik.patients.cpr_register.ServiceplatformenCprRegister"
    )
    with pytest.raises(CprRegisterError, match="not connected"):
        ServiceplatformenCprRegister().lookup("1203561234")
    assert cpr_register_lookup(cpr="120356-1234") is None
    assert set(settings.KLINIK_CPR_SERVICEPLATFORMEN) >= {"endpoint", "certificate"}


def test_the_cpr_check_carries_the_registers_person_for_the_form(secretary, client):
    found = client.post("/patients/cpr-check/", {"cpr": "120356-1234"}).content.decode()
    assert "data-cpr-person" in found
    assert 'data-given_name="Karen Margrethe"' in found and 'data-city="Aarhus C"' in found
    assert "Fra CPR-registret:" in found
    missing = client.post("/patients/cpr-check/", {"cpr": "070761-4285"}).content.decode()
    assert "data-cpr-person" not in missing and "cpr-check ok" in missing
