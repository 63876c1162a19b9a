"""The retention report: records past ten years from their latest entry (ADR 0017).

The clock is set to fixed moments: a record whose latest entry was written just before local
midnight ten years ago is past the limit today; one written just after it is past tomorrow."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from klinik.audit.choices import Action, Channel
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.patients.choices import PatientStatus
from klinik.patients.models import Patient
from klinik.patients.selectors import (
    patients_past_retention,
    retention_cutoff,
    retention_deletable_from,
    years_after,
)
from klinik.patients.tests.factories import PatientFactory
from klinik.records.tests.factories import contact_start, entry_write

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = datetime(2026, 11, 26, 10, 0, tzinfo=CPH)


def at(clock, *args: int) -> None:
    clock.set(datetime(*args, tzinfo=CPH))


@pytest.fixture
def old_world(world, clock):
    """Organisation A: a doctor and patients written to over the years; organisation B: one
    patient untouched since 2005. The clock ends at TODAY."""
    doctor = actor_from_membership(world.member(Role.DOCTOR))
    people = {}
    at(clock, 2005, 3, 1, 9, 0)
    people["foreign"] = PatientFactory(unit=world.unit_b, given_name="Fremmed")
    at(clock, 2016, 1, 4, 9, 0)
    for name in ("Over", "Under", "Later", "Survivor", "Source"):
        people[name] = PatientFactory(unit=world.unit_a, given_name=name, family_name="Testesen")
    at(clock, 2016, 11, 1, 8, 0)
    people["Nothing_old"] = PatientFactory(
        unit=world.unit_a, given_name="Tom", family_name="Aldrig"
    )
    at(clock, 2016, 11, 25, 23, 30)  # 30 minutes before local midnight ten years back
    entry_write(doctor, people["Over"])
    entry_write(doctor, people["Survivor"])
    at(clock, 2016, 11, 26, 0, 30)  # 30 minutes after it
    entry_write(doctor, people["Under"])
    at(clock, 2012, 5, 5, 9, 0)
    entry_write(doctor, people["Later"], occurred_at=datetime(2012, 5, 5, 9, tzinfo=CPH))
    at(clock, 2020, 6, 1, 9, 0)
    contact_start(doctor, people["Later"])  # a contact is part of the record too
    at(clock, 2021, 2, 2, 9, 0)
    entry_write(doctor, people["Source"])
    Patient.objects.filter(pk=people["Source"].pk).update(
        status=PatientStatus.MERGED, merged_into=people["Survivor"]
    )
    at(clock, 2026, 1, 5, 9, 0)
    people["New"] = PatientFactory(unit=world.unit_a, given_name="Ny", family_name="Testesen")
    clock.set(TODAY)
    return people


def _manager(world):
    return actor_from_membership(world.member(Role.MANAGER))


def test_years_after_and_the_first_day_of_deletion():
    assert years_after(date(2016, 11, 25), 10) == date(2026, 11, 25)
    assert years_after(date(2016, 2, 29), 10) == date(2026, 2, 28)
    assert retention_deletable_from(date(2016, 11, 25)) == date(2026, 11, 26)
    assert retention_deletable_from(date(2016, 2, 29)) == date(2026, 3, 1)
    assert retention_cutoff(date(2026, 11, 26)) == datetime(2016, 11, 26, tzinfo=CPH)
    # The cutoff on a day agrees with the first day of deletion, 29 February included.
    days = (date(2026, 3, 1), date(2026, 2, 28), date(2028, 2, 29), date(2028, 3, 1))
    for today in (*days, date(2026, 3, 29), date(2026, 12, 24), date(2027, 1, 2)):
        cutoff = retention_cutoff(today).date()
        last_allowed = date.fromordinal(cutoff.toordinal() - 1)
        assert retention_deletable_from(last_allowed) <= today
        assert retention_deletable_from(cutoff) > today


def test_the_report_lists_records_just_over_ten_years_and_not_those_just_under(
    world, clock, old_world
):
    rows = patients_past_retention(actor=_manager(world), channel=Channel.UI)
    by_name = {r.name.split()[0]: r for r in rows}
    assert set(by_name) == {"Over", "Tom"}
    over = by_name["Over"]
    assert over.last_entry == date(2016, 11, 25)
    assert over.deletable_from == date(2026, 11, 26)
    assert over.cpr_masked == f"{old_world['Over'].cpr[:6]}-····"
    # No entry at all: the registration counts.
    assert by_name["Tom"].last_entry == date(2016, 11, 1)
    assert [r.name.split()[0] for r in rows] == ["Tom", "Over"]  # oldest first

    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=CPH))  # one day on: "Under" has its ten years
    names = {
        r.name.split()[0]
        for r in patients_past_retention(actor=_manager(world), channel=Channel.UI)
    }
    assert names == {"Over", "Tom", "Under"}


def test_a_record_merged_into_the_patient_counts_for_the_survivor(world, clock, old_world):
    """Survivor's own last entry is old, but the record merged into it has one from 2021."""
    rows = patients_past_retention(actor=_manager(world), channel=Channel.UI)
    assert "Survivor" not in {r.name.split()[0] for r in rows}
    assert "Source" not in {r.name.split()[0] for r in rows}  # merged-away: not its own line


def test_another_organisations_patients_are_never_listed(world, clock, old_world):
    other_manager = actor_from_membership(world.member(Role.MANAGER, unit=world.unit_b))
    rows = patients_past_retention(actor=other_manager, channel=Channel.UI)
    assert [r.public_id for r in rows] == [old_world["foreign"].public_id]
    own = patients_past_retention(actor=_manager(world), channel=Channel.UI)
    assert old_world["foreign"].public_id not in {r.public_id for r in own}


def test_the_report_is_one_query_for_the_list_whatever_its_length(
    world, clock, old_world, django_assert_max_num_queries
):
    actor = _manager(world)
    with django_assert_max_num_queries(12):  # the list, the merged records, the log entry
        patients_past_retention(actor=actor, channel=Channel.UI)


def test_the_selector_refuses_a_secretary(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        patients_past_retention(
            actor=actor_from_membership(world.member(Role.SECRETARY)), channel=Channel.UI
        )


# The screen ---------------------------------------------------------------------------------


def test_manager_sees_the_report_and_one_access_log_entry(
    world, clock, old_world, login_as, client
):
    manager = world.member(Role.MANAGER)
    login_as(manager)
    before = AccessLogEntry.objects.filter(object_type="retention_report").count()
    response = client.get("/reports/retention/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-count="2"' in page
    assert 'id="retention-nothing-deleted"' in page
    assert str(old_world["Over"].public_id) in page
    assert str(old_world["Under"].public_id) not in page
    assert str(old_world["foreign"].public_id) not in page
    assert old_world["Over"].cpr not in page  # only the masked number
    assert "25.11.2016" in page and "26.11.2026" in page
    entries = AccessLogEntry.objects.filter(object_type="retention_report").order_by("seq")
    assert entries.count() == before + 1
    entry = entries.last()
    assert entry.action == Action.VIEW
    assert entry.user_id == manager.user_id
    assert entry.reason == "2 rows"
    assert 'href="/reports/retention/"' in page  # the menu reaches it


def test_the_report_sorts_by_name_and_by_latest_entry(world, clock, old_world, login_as, client):
    login_as(world.member(Role.MANAGER))
    over, tom = (str(old_world[k].public_id) for k in ("Over", "Nothing_old"))

    def order(sort: str) -> list[str]:
        page = client.get(f"/reports/retention/?sort={sort}").content.decode()
        return sorted((over, tom), key=page.index)

    assert order("last_entry") == [tom, over]
    assert order("-last_entry") == [over, tom]
    assert order("name") == [tom, over]  # Aldrig before Testesen
    assert order("-name") == [over, tom]
    assert order("nonsense") == [tom, over]
    partial = client.get("/reports/retention/?sort=name", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b'id="retention"' in partial.content


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.DOCTOR, Role.HEALTH_SERVICE_SECRETARY])
def test_other_roles_are_refused(world, login_as, client, role):
    login_as(world.member(role))
    before = AccessLogEntry.objects.filter(object_type="retention_report").count()
    assert client.get("/reports/retention/").status_code == 403
    assert client.get("/reports/retention/export.csv").status_code == 403
    assert AccessLogEntry.objects.filter(object_type="retention_report").count() == before


def test_not_logged_in_goes_to_login(db, client):
    response = client.get("/reports/retention/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_export_is_csv_for_danish_excel_and_logged_as_an_export(
    world, clock, old_world, login_as, client
):
    login_as(world.member(Role.MANAGER))
    response = client.get("/reports/retention/export.csv?sort=name")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="opbevaring-2026-11-26.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert len(lines) == 3
    assert lines[1][0] == "Tom Aldrig" and lines[2][0] == "Over Testesen"
    assert lines[2][2:4] == ["2016-11-25", "2026-11-26"]
    assert lines[2][5] == str(old_world["Over"].public_id)
    assert old_world["Over"].cpr not in text
    entry = AccessLogEntry.objects.filter(object_type="retention_report").order_by("seq").last()
    assert entry.action == Action.EXPORT


def test_a_name_that_looks_like_a_formula_is_escaped_in_the_csv():
    from klinik.reporting.views import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("Ærø") == "Ærø"


def test_every_kind_of_record_row_names_when_it_was_entered():
    """A record model left out would let the report call a record old while it has new rows."""
    from django.apps import apps
    from django.db import models

    from klinik.core.hooks import hook_items
    from klinik.patients.hooks import RECORD_ENTRY_DATES

    items = hook_items(RECORD_ENTRY_DATES)
    for item in items:
        model = apps.get_model(item.model)
        field = model._meta.get_field(item.field.split("__")[0])
        if "__" in item.field:  # through a relation (the entry's signature)
            field = field.related_model._meta.get_field(item.field.split("__")[1])
        assert isinstance(field, models.DateTimeField), item
        model._meta.get_field("organisation")
    covered = {apps.get_model(item.model) for item in items}
    not_the_record = {"JournalDraft", "Dictation"}  # not the record until they become an entry
    for model in apps.get_app_config("records").get_models():
        has_patient = any(
            getattr(f, "related_model", None) is Patient for f in model._meta.get_fields()
        )
        if has_patient and model.__name__ not in not_the_record:
            assert model in covered, model
