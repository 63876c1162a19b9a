"""The setup's front page and the setup change log (who changed what, old → new)."""

from __future__ import annotations

import pytest
from django.db import transaction

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.setup_log import (
    setup_change_history,
    setup_change_record,
    setup_changes,
    setup_snapshot,
)

pytestmark = pytest.mark.django_db


def test_setup_changes_lists_only_changed_fields_old_to_new() -> None:
    before = {"name": "Stue 1", "is_active": "ja", "phone": ""}
    after = {"name": "Stue 2", "is_active": "ja", "phone": "70 20 30 40"}
    assert setup_changes(before, after) == "name: Stue 1 → Stue 2; phone: — → 70 20 30 40"
    assert setup_changes(None, {"name": "Stue 1", "phone": ""}) == "name: Stue 1"
    assert setup_changes({"name": "Stue 1"}, None) == "name: Stue 1 → —"
    assert setup_changes(before, before) == ""


def test_setup_change_is_logged_for_the_organisation_and_not_when_unchanged(
    world, actor_for
) -> None:
    manager = actor_for(world.member(Role.MANAGER))
    other = actor_for(world.member(Role.MANAGER, unit=world.unit_b))
    before = setup_snapshot(world.unit_a, ["name", "phone", "is_active"])
    world.unit_a.name = "Klinik Nord"
    after = setup_snapshot(world.unit_a, ["name", "phone", "is_active"])
    with transaction.atomic():
        assert setup_change_record(
            actor=manager,
            object_type="unit",
            object_id=world.unit_a.public_id,
            before=before,
            after=after,
        )
        assert not setup_change_record(
            actor=manager,
            object_type="unit",
            object_id=world.unit_a.public_id,
            before=after,
            after=after,
        )
    entries = AccessLogEntry.objects.filter(action=Action.SETUP_CHANGE)
    assert entries.count() == 1
    assert entries.get().reason == "changed: name: Klinik A → Klinik Nord"
    assert [c.changes for c in setup_change_history(actor=manager)] == [
        "changed: name: Klinik A → Klinik Nord"
    ]
    assert setup_change_history(actor=other) == []


def test_setup_page_is_the_managers_and_shows_the_changes(world, login_as, actor_for) -> None:
    manager = world.member(Role.MANAGER)
    with transaction.atomic():
        setup_change_record(
            actor=actor_for(manager),
            object_type="unit",
            object_id="x",
            before={"name": "A"},
            after={"name": "B"},
        )
    client = login_as(manager)
    response = client.get("/setup/")
    assert response.status_code == 200
    assert b'data-section="staff_list"' in response.content
    assert "name: A → B".encode() in response.content
    client.logout()
    assert login_as(world.member(Role.SECRETARY)).get("/setup/").status_code == 403
