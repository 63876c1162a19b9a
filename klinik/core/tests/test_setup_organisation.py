"""The manager's organisation and unit setup: numbers checked at their fields, nothing saved
when anything is wrong, every change in the setup log (old → new), other organisations'
units out of reach."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role, UnitKind
from klinik.core.errors import SetupCode, SetupInvalid
from klinik.core.models import Organisation, Unit
from klinik.core.setup.logo import MAX_LOGO_BYTES, logo_path
from klinik.core.setup.services import (
    organisation_logo_set,
    organisation_update,
    unit_create,
    unit_update,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VALID = {
    "name": "Lægehuset Nord",
    "cvr": "13585628",  # a valid CVR check digit
    "sor_code": "123456789012345",
    "provider_number": "012345",
    "gln": "5790000123452",
    "address": "Nørregade 1",
    "postal_code": "8000",
    "city": "Aarhus C",
    "phone": "86 12 34 56",
    "email": "klinik@example.org",
}


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def manager(world, actor_for):
    return actor_for(world.member(Role.MANAGER))


def _setup_entries() -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(action=Action.SETUP_CHANGE).order_by("seq"))


def test_organisation_update_saves_numbers_and_logs_old_to_new(world, manager) -> None:
    organisation_update(actor=manager, data=VALID | {"gln": "579 0000 123452"})
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert (org.cvr, org.gln, org.provider_number) == ("13585628", "5790000123452", "012345")
    (entry,) = _setup_entries()
    assert entry.object_type == "organisation"
    assert entry.organisation_id == world.org_a.pk
    assert "name: Lægehuset A → Lægehuset Nord" in entry.reason
    assert "cvr: — → 13585628" in entry.reason


def test_organisation_update_refuses_bad_numbers_at_their_fields_and_saves_nothing(
    world, manager
) -> None:
    bad = VALID | {
        "cvr": "12345678",
        "gln": "5790000123453",
        "sor_code": "12A",
        "provider_number": "12345678",
        "phone": "12 34",
        "email": "ikke en adresse",
        "postal_code": "800",
    }
    with pytest.raises(SetupInvalid) as caught:
        organisation_update(actor=manager, data=bad)
    errors = caught.value.field_errors()
    assert set(errors) == {
        "cvr",
        "gln",
        "sor_code",
        "provider_number",
        "phone",
        "email",
        "postal_code",
    }
    assert errors["cvr"] == [str(SetupInvalid.CVR)]
    assert errors["gln"] == [str(SetupInvalid.GLN)]
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert (org.name, org.cvr) == ("Lægehuset A", "")
    assert _setup_entries() == []


def test_gln_must_have_thirteen_digits(manager) -> None:
    with pytest.raises(SetupInvalid) as caught:
        organisation_update(actor=manager, data=VALID | {"gln": "96385074"})  # a valid EAN-8
    assert "gln" in caught.value.field_errors()


def test_logo_png_is_stored_and_replaced_other_files_refused(world, manager, data_dir) -> None:
    organisation_logo_set(actor=manager, upload=io.BytesIO(PNG))
    first = Organisation.objects.get(pk=world.org_a.pk).logo_key
    assert first.endswith(".png") and logo_path(first).read_bytes() == PNG
    organisation_logo_set(actor=manager, upload=io.BytesIO(b"\xff\xd8\xff\xe0" + b"1" * 10))
    second = Organisation.objects.get(pk=world.org_a.pk).logo_key
    assert second.endswith(".jpg") and not logo_path(first).exists()

    with pytest.raises(SetupInvalid) as caught:
        organisation_logo_set(actor=manager, upload=io.BytesIO(b"%PDF-1.7 not an image"))
    assert caught.value.field_errors() == {"logo": [str(SetupInvalid.LOGO_TYPE)]}
    with pytest.raises(SetupInvalid):
        organisation_logo_set(actor=manager, upload=io.BytesIO(PNG + b"0" * MAX_LOGO_BYTES))
    assert Organisation.objects.get(pk=world.org_a.pk).logo_key == second
    assert len(list((data_dir / "logos").rglob("*.*"))) == 1
    assert len(_setup_entries()) == 2


def test_unit_create_and_update_log_and_check_slug_and_name(world, manager) -> None:
    unit = unit_create(
        actor=manager,
        data={"name": "Filial Øst", "kind": UnitKind.LOCATION, "phone": "70 20 30 40"},
    )
    assert (unit.slug, unit.organisation_id) == ("filial-oest", world.org_a.pk)
    unit_update(
        actor=manager,
        unit=unit,
        data={"name": "Filial Øst", "kind": UnitKind.LOCATION, "slug": "oest", "sor_code": "42"},
    )
    unit.refresh_from_db()
    assert (unit.slug, unit.sor_code, unit.phone) == ("oest", "42", "")
    reasons = [e.reason for e in _setup_entries()]
    assert reasons[0].startswith("created: name: Filial Øst")
    assert "slug: filial-oest → oest" in reasons[1]

    with pytest.raises(SetupInvalid) as caught:
        unit_create(
            actor=manager,
            data={"name": "Anden", "kind": UnitKind.CLINIC, "slug": world.unit_b.slug},
        )
    assert caught.value.code == SetupCode.SLUG_TAKEN
    with pytest.raises(SetupInvalid) as caught:
        unit_create(actor=manager, data={"name": "Klinik A", "kind": UnitKind.CLINIC})
    assert caught.value.code == SetupCode.NAME_TAKEN
    assert Unit.objects.filter(organisation=world.org_a).count() == 3


def test_setup_screens_are_the_managers_own_organisations(world, login_as) -> None:
    client = login_as(world.member(Role.MANAGER))
    for url in ("/setup/organisation/", "/setup/units/", "/setup/units/add/"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/setup/units/{world.unit_a2.public_id}/").status_code == 200
    # Another organisation's unit: the same 404 as a missing one, and nothing changed.
    response = client.post(
        f"/setup/units/{world.unit_b.public_id}/", {"name": "Overtaget", "kind": "clinic"}
    )
    assert response.status_code == 404
    world.unit_b.refresh_from_db()
    assert world.unit_b.name == "Klinik B"
    assert b"Klinik B" not in client.get("/setup/units/").content
    client.logout()
    secretary = login_as(world.member(Role.SECRETARY))
    for url in ("/setup/organisation/", "/setup/units/", "/setup/organisation/logo/"):
        assert secretary.get(url).status_code == 403, url


def test_organisation_form_shows_the_problem_at_the_field(world, login_as) -> None:
    client = login_as(world.member(Role.MANAGER))
    response = client.post("/setup/organisation/", VALID | {"cvr": "12345678"})
    assert response.status_code == 400
    assert b'id="id_cvr_error"' in response.content
    assert Organisation.objects.get(pk=world.org_a.pk).name == "Lægehuset A"
    response = client.post("/setup/organisation/", VALID)
    assert response.status_code == 302
    assert Organisation.objects.get(pk=world.org_a.pk).cvr == "13585628"


def test_logo_upload_and_serving(world, login_as, data_dir) -> None:
    client = login_as(world.member(Role.MANAGER))
    assert client.get("/setup/organisation/logo/").status_code == 404
    upload = io.BytesIO(PNG)
    upload.name = "logo.png"
    assert client.post("/setup/organisation/logo/", {"logo": upload}).status_code == 302
    response = client.get("/setup/organisation/logo/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    text = io.BytesIO(b"hello")
    text.name = "logo.png"
    response = client.post("/setup/organisation/logo/", {"logo": text})
    assert response.status_code == 400
    assert b'id="id_logo_error"' in response.content
