"""The unit's readable booking address: Danish letters spelt out, unique across organisations,
never one the booking pages need themselves; and every existing unit given one on upgrade."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from klinik.core.models import Unit
from klinik.core.slugs import danish_slugify
from klinik.core.tests.factories import UnitFactory

BEFORE = ("core", "0007_unit_booking_slug_and_phone")


def test_danish_letters_are_spelt_out():
    assert danish_slugify("Lægehuset") == "laegehuset"
    assert (
        danish_slugify("Øre-, Næse- og Halsklinikken Århus") == "oere-naese-og-halsklinikken-aarhus"
    )


FIXED_UUID = uuid.UUID("0b6f2c3e-5d1a-4c8e-9f7b-2a4d6e8f0a1c")


@pytest.mark.parametrize("slug", ["manage", str(FIXED_UUID), FIXED_UUID.hex])
def test_addresses_the_booking_pages_need_are_refused(db, slug):
    unit = UnitFactory.build(organisation=UnitFactory().organisation, slug=slug)
    with pytest.raises(ValidationError) as refused:
        unit.full_clean()
    assert "slug" in refused.value.message_dict


def test_an_address_is_unique_across_organisations(db):
    UnitFactory(slug="klinik")
    other = UnitFactory.build(organisation=UnitFactory().organisation, slug="klinik")
    with pytest.raises(ValidationError):
        other.full_clean()


def _migrate(target: list[tuple[str, str]]) -> None:
    MigrationExecutor(connection).migrate(target)


@pytest.fixture
def before_addresses(transactional_db: None) -> Iterator[object]:
    """The database as it was before units had an address; migrated forward afterwards."""
    executor = MigrationExecutor(connection)
    # Every app's latest, not core's only: going back unapplies the apps that depend on core
    # (pathways), and they must come back for the tests after this one.
    latest = executor.loader.graph.leaf_nodes()
    _migrate([BEFORE])
    try:
        yield MigrationExecutor(connection).loader.project_state([BEFORE]).apps
        _migrate(latest)
    finally:
        _migrate(latest)


def test_existing_units_get_readable_unique_addresses(before_addresses):
    apps = before_addresses
    organisations = apps.get_model("core", "Organisation").objects
    units = apps.get_model("core", "Unit").objects
    kind = "general_practice"
    gp = organisations.create(slug="gp", name="Lægehuset Åboulevarden", kind=kind)
    other = organisations.create(slug="other", name="Anden Klinik", kind=kind)
    names = [(gp, "Lægehuset"), (other, "Lægehuset"), (gp, "Manage"), (other, "!!!")]
    made = [units.create(organisation=org, name=name, kind="clinic") for org, name in names]
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    slugs = [Unit.objects.get(pk=unit.pk).slug for unit in made]
    assert slugs == ["laegehuset", "laegehuset-2", "manage-2", "anden-klinik"]
