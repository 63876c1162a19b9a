"""Fixtures of the correspondence tests (see helpers.py)."""

import pytest

from klinik.core.choices import Role
from klinik.correspondence.tests.helpers import Desk, desk_at


@pytest.fixture
def desk(world, actor_for) -> Desk:
    actor = actor_for(world.member(Role.SECRETARY))
    return desk_at(world.unit_a, actor)
