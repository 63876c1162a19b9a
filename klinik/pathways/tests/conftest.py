from __future__ import annotations

from datetime import datetime

import pytest

from klinik.api.tests.helpers import ApiClient
from klinik.core.choices import Role
from klinik.scheduling.availability import LOCAL

# Thursday 18 December 2025, 10:00: Christmas and New Year ahead, the 2025 rules in force.
NOW = datetime(2025, 12, 18, 10, 0, tzinfo=LOCAL)


@pytest.fixture
def now(clock):
    clock.set(NOW)
    return NOW


@pytest.fixture
def secretary(world):
    return world.member(Role.SECRETARY)


@pytest.fixture
def doctor(world):
    return world.member(Role.DOCTOR)


@pytest.fixture
def api(client, secretary):
    return ApiClient(client, secretary)


@pytest.fixture
def api_doctor(client, doctor):
    return ApiClient(client, doctor)


@pytest.fixture
def api_b(client, world):
    return ApiClient(client, world.member(Role.DOCTOR, unit=world.unit_b))


def referral_payload(world, **extra):
    body = {
        "patient": str(world.patient_a.public_id),
        "unit": str(world.unit_a.public_id),
        "received_at": "2025-12-18T09:15:00+01:00",
        "referrer": {"name": "Lægerne i Byen", "sor": "123456789", "ydernummer": "012345"},
        "reason": "Vedvarende hoste, udredning ønskes",
        "diagnosis": "DJ44",
        "priority": "planlagt",
        "rights": ["udredningsret"],
    }
    body.update(extra)
    return body
