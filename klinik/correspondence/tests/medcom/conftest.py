"""The MedCom tests' world: organisation A with its own SOR/EAN and a GP clinic in the
directory, a patient whose own GP that clinic is; organisation B with its own sender too (the
tests prove 404 across them). The clock stands still on a Thursday morning."""

from __future__ import annotations

from datetime import datetime

import pytest

from klinik.api.tests.helpers import ApiClient
from klinik.core.choices import Role
from klinik.correspondence.messages.choices import PartnerKind
from klinik.correspondence.models import Partner
from klinik.scheduling.availability import LOCAL

NOW = datetime(2025, 12, 18, 10, 0, tzinfo=LOCAL)
OWN_A = {"sor": "265161000016000", "ean": "5790000209354", "name": "Lægehuset A"}
GP = {"sor": "953741000016009", "ean": "5790001348120", "name": "Lægerne i Byen"}
GP_NUMBER = "012345"


@pytest.fixture
def now(clock):
    clock.set(NOW)
    return NOW


@pytest.fixture
def directory(world, settings, tmp_path):
    settings.MEDCOM_OUTBOX_DIR = str(tmp_path / "medcom-out")
    own = Partner.objects.create(organisation=world.org_a, kind=PartnerKind.OWN, **OWN_A)
    gp = Partner.objects.create(
        organisation=world.org_a, kind=PartnerKind.GP, provider_number=GP_NUMBER, **GP
    )
    Partner.objects.create(
        organisation=world.org_b,
        kind=PartnerKind.OWN,
        sor="111111000016001",
        ean="5790000000001",
        name="Lægehuset B",
    )
    world.patient_a.gp_name = GP["name"]
    world.patient_a.gp_provider_number = GP_NUMBER
    world.patient_a.save(update_fields=["gp_name", "gp_provider_number"])
    return {"own": own, "gp": gp}


@pytest.fixture
def secretary(world):
    return world.member(Role.SECRETARY)


@pytest.fixture
def api(client, secretary, directory, now):
    return ApiClient(client, secretary)


@pytest.fixture
def api_b(client, world, directory, now):
    return ApiClient(client, world.member(Role.SECRETARY, unit=world.unit_b))
