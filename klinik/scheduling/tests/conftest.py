"""Fixtures shared by the scheduling tests: a clinic in unit A and a secretary acting there.
A test module that needs another shape (more rooms, a named secretary) defines its own."""

import pytest

from klinik.core.choices import Role
from klinik.scheduling.tests.factories import Clinic, clinic_create


@pytest.fixture
def clinic(world) -> Clinic:
    return clinic_create(world.unit_a)


@pytest.fixture
def actor(world, actor_for):
    return actor_for(world.member(Role.SECRETARY))
