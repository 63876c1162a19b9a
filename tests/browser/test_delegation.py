"""Delegation in a real browser (issue 17): a doctor delegates vaccination to a nurse on the
delegation register under the clinic's written instruction; the nurse can then record a
vaccination she gave, while a secretary without a delegation is refused with a message naming
the missing delegation, and nothing is written."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.models import Membership, User
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.records.choices import ContactKind
from klinik.records.journal.services import contact_open
from klinik.records.models import Vaccination
from klinik.staff.models import Delegation
from klinik.staff.tests.factories import authorisation_give, delegation_grant, instruction_make

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser]


@pytest.fixture
def clinic(transactional_db):
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    doctor = MembershipFactory(
        unit=unit,
        role=Role.DOCTOR,
        user__username="delegerende",
        user__first_name="Mette",
        user__last_name="Lund",
    )
    MembershipFactory(
        unit=unit,
        role=Role.NURSE,
        user__username="vaccinatoer",
        user__first_name="Karen",
        user__last_name="Madsen",
    )
    MembershipFactory(
        unit=unit,
        role=Role.SECRETARY,
        user__username="uden-delegation",
        user__first_name="Susanne",
        user__last_name="Jensen",
    )
    authorisation_give(doctor)
    instruction_make(doctor=doctor, title="Instruks for vaccination")
    patient = PatientFactory(unit=unit, given_name="Alma", family_name="Skov")
    contact_open(actor=actor_from_membership(doctor), patient=patient, kind=ContactKind.PHYSICAL)
    return patient


def _vaccinate(page: Page, patient) -> None:
    page.goto(f"/patients/{patient.public_id}/record/vaccinations/")
    page.locator("#vaccination-vaccine").fill("Influvac Tetra")
    page.locator("#vaccination-batch_number").fill("AB1234")
    page.locator("#vaccination-dose").fill("0,5 ml")
    page.locator(".vaccination-form button[type=submit]").click()


def test_a_doctor_delegates_vaccination_and_only_the_nurse_may_then_vaccinate(
    page: Page, clinic
) -> None:
    patient = clinic
    today = timezone.localdate()

    log_in(page, "delegerende", TEST_PASSWORD)
    page.locator("#nav-delegations").click()
    form = page.locator("#delegation-form")
    form.locator("#id_delegate").select_option(label="Karen Madsen (Sygeplejerske, Lægehuset)")
    form.locator("#id_task").select_option("vaccination")
    form.locator("#id_instruction").select_option(label="Instruks for vaccination")
    form.locator("#id_valid_from").fill(f"{today:%d.%m.%Y}")
    form.locator("button[type=submit]").click()
    row = page.locator("#delegation-table tr[data-task=vaccination]")
    expect(row).to_contain_text("Karen Madsen")
    expect(row).to_contain_text("Instruks for vaccination")
    assert Delegation.objects.get().delegate.username == "vaccinatoer"
    log_out(page)

    # The nurse records a vaccination she gave: allowed under the delegation.
    log_in(page, "vaccinatoer", TEST_PASSWORD)
    _vaccinate(page, patient)
    expect(page.locator("#vaccinations-section table.vaccinations")).to_contain_text("AB1234")
    assert Vaccination.objects.get().given_by.username == "vaccinatoer"
    log_out(page)

    # A secretary without a delegation is refused, naming what is missing.
    log_in(page, "uden-delegation", TEST_PASSWORD)
    _vaccinate(page, patient)
    expect(page.locator("#vaccinations-section form.vaccination-form")).to_contain_text(
        "ingen gyldig delegation af vaccination"
    )
    assert Vaccination.objects.count() == 1


def test_a_doctor_revokes_the_delegation_and_the_nurse_is_then_refused(page: Page, clinic) -> None:
    patient = clinic
    today = timezone.localdate()
    doctor = Membership.objects.get(user__username="delegerende")
    delegation_grant(
        doctor=doctor, delegate=User.objects.get(username="vaccinatoer"), task="vaccination"
    )

    log_in(page, "delegerende", TEST_PASSWORD)
    page.locator("#nav-delegations").click()
    page.locator("#delegation-table tr[data-task=vaccination] a").first.click()
    form = page.locator("#revoke-form")
    form.locator("#revoke-revoked_on").fill(f"{today:%d.%m.%Y}")
    form.locator("#revoke-reason").fill("Sygeplejersken er flyttet til en anden klinik")
    form.locator("button[type=submit]").click()
    expect(page.locator("#delegation-status")).to_contain_text("Tilbagekaldt fra")
    expect(page.locator("#delegation-status")).to_contain_text("flyttet til en anden klinik")
    page.locator("#nav-delegations").click()
    # Kept in the register, marked revoked.
    expect(page.locator("#delegation-table tr[data-revoked='1']")).to_contain_text("Karen Madsen")
    log_out(page)

    log_in(page, "vaccinatoer", TEST_PASSWORD)
    _vaccinate(page, patient)
    expect(page.locator("#vaccinations-section form.vaccination-form")).to_contain_text(
        "ingen gyldig delegation af vaccination"
    )
    assert not Vaccination.objects.exists()
