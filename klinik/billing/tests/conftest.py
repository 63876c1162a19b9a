from __future__ import annotations

import pytest

from klinik.api.tests.helpers import ApiClient
from klinik.core.choices import Role


@pytest.fixture
def secretary(world):
    return world.member(Role.SECRETARY)


@pytest.fixture
def actor(secretary, actor_for):
    return actor_for(secretary)


@pytest.fixture
def api(client, secretary):
    return ApiClient(client, secretary)


@pytest.fixture
def api_b(client, world):
    return ApiClient(client, world.member(Role.SECRETARY, unit=world.unit_b))


def line(text="Fysioterapi", quantity="1", unit_price="450.00", vat_rate=0):
    return {"text": text, "quantity": quantity, "unit_price": unit_price, "vat_rate": vat_rate}
