"""Shared fixtures: two organisations (always two: isolation is proven, not assumed)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from klinik.core.choices import OrganisationKind, Role
from klinik.core.models import Community, Membership, Organisation, Unit
from klinik.core.services import actor_from_membership
from klinik.core.tests.clock import Clock
from klinik.core.tests.factories import (
    TEST_PASSWORD,
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
)
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory

# The suite's clock. Tests never read the real date: every process of the run starts at this
# instant and the clock ticks on from there. CI runs the date-sensitive tests again with
# KLINIK_TEST_NOW on a Saturday, on 24 December, in Easter week and on the DST night
# (`.ci/run`), so that no test passes only on an ordinary Thursday.
TEST_NOW_DEFAULT = "2026-11-26T09:30:00+01:00"  # a Thursday, no holiday near


def suite_now() -> datetime:
    return datetime.fromisoformat(os.environ.get("KLINIK_TEST_NOW") or TEST_NOW_DEFAULT)


def pytest_configure(config: pytest.Config) -> None:
    time_machine.travel(suite_now(), tick=True).start()


def pytest_report_header(config: pytest.Config) -> str:
    return f"klinik: the clock starts at {suite_now().isoformat()}"


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's set-up, but each process copies a template migrated once per run
    instead of migrating its own database, and transactional tests end with a quick flush
    (klinik/core/tests/testdb.py)."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from klinik.core.tests.testdb import fast_flush, test_database_from_template

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        test_database_from_template(connection)
        config = setup_databases(
            verbosity=verbosity, interactive=False, keepdb=True, serialized_aliases=[]
        )
        undo_fast_flush = fast_flush(connection)
    yield
    if undo_fast_flush:
        undo_fast_flush()
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=verbosity)


@dataclass
class World:
    org_a: Organisation
    unit_a: Unit
    unit_a2: Unit
    org_b: Organisation
    unit_b: Unit
    community: Community
    org_c: Organisation  # a member of the community
    unit_c: Unit
    patient_a: Patient
    patient_a2: Patient  # in org A but another unit
    patient_b: Patient
    patient_c: Patient

    def member(self, role: Role, unit: Unit | None = None, **kwargs: object) -> Membership:
        return MembershipFactory(role=role, unit=unit or self.unit_a, **kwargs)

    def community_member(self, role: Role = Role.HEALTH_SERVICE_SECRETARY) -> Membership:
        return MembershipFactory(role=role, unit=None, organisation=None, community=self.community)


@pytest.fixture
def world(db: None) -> World:
    org_a = OrganisationFactory(slug="org-a", name="Lægehuset A")
    unit_a = UnitFactory(organisation=org_a, name="Klinik A")
    unit_a2 = UnitFactory(organisation=org_a, name="Afsnit A2")
    org_b = OrganisationFactory(slug="org-b", name="Lægehuset B")
    unit_b = UnitFactory(organisation=org_b, name="Klinik B")
    community = CommunityFactory(slug="faelles")
    org_c = OrganisationFactory(
        slug="org-c", name="Fysio C", kind=OrganisationKind.THERAPY_CLINIC, community=community
    )
    unit_c = UnitFactory(organisation=org_c, name="Fysio")
    return World(
        org_a=org_a,
        unit_a=unit_a,
        unit_a2=unit_a2,
        org_b=org_b,
        unit_b=unit_b,
        community=community,
        org_c=org_c,
        unit_c=unit_c,
        patient_a=PatientFactory(unit=unit_a, given_name="Alma"),
        patient_a2=PatientFactory(unit=unit_a2, given_name="Anker"),
        patient_b=PatientFactory(unit=unit_b, given_name="Bodil"),
        patient_c=PatientFactory(unit=unit_c, given_name="Cecilie"),
    )


def login(client: Client, membership: Membership) -> Client:
    response = client.post(
        "/login/", {"username": membership.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def login_as(client: Client):
    def _login(membership: Membership) -> Client:
        return login(client, membership)

    return _login


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Stops time where the test sets it (klinik/core/tests/clock.py)."""
    clock = Clock()
    yield clock
    clock.stop()


@pytest.fixture
def actor_for():
    return actor_from_membership


@pytest.fixture(scope="session")
def _witness_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit-witness")


@pytest.fixture(autouse=True)
def _audit_witness_per_test(settings, _witness_dir: Path) -> None:
    """Each test has its own witness file (not yet written): one test's checkpoints must not
    meet another test's chain, nor a file left in var/test."""
    settings.KLINIK_AUDIT_WITNESS = _witness_dir / f"{uuid.uuid4().hex}.log"


@pytest.fixture(autouse=True)
def _second_factor_off_by_default(settings):
    """Most tests are not about two-factor login; the tests that are switch it on."""
    settings.KLINIK_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _starter_codes_after_a_flush(request: pytest.FixtureRequest) -> None:
    """The SKS starter codes, the glossary, the law's deadline rules, the AMU course catalogue
    and the certificate catalogue come with data migrations. A transactional test (concurrency,
    browser) ends by flushing the database, which takes them along; the next transactional test
    gets them back here."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from klinik.terminology.models import SKSCode
    from klinik.terminology.services import starter_load

    if not SKSCode.objects.exists():
        starter_load()
    from django.apps import apps

    from klinik.pathways.models import DeadlineRule

    if not DeadlineRule.objects.exists():
        import_module("klinik.pathways.migrations.0002_deadline_rules").load(apps, None)
    from klinik.staff.models import Course
    from klinik.staff.services import catalogue_load

    if not Course.objects.exists():
        catalogue_load()
    from klinik.correspondence.certificates.catalogue import catalogue_load as certificates_load
    from klinik.correspondence.models import CertificatePrice, CertificateType

    if not CertificateType.objects.exists():
        certificates_load(CertificateType, CertificatePrice)
