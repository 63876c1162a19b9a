"""An apprentice's education plan in a real browser (issue 17 item 5): the apprentice finds
their own plan from their page, reads the practice goals and writes a progress note; the
daily trainer approves a goal; the apprentice then sees it approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.staff.apprentices.services import (
    education_period_add,
    education_plan_create,
    practice_goal_add,
)
from klinik.staff.models import PracticeGoal, ProgressNote

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser]


@pytest.fixture
def plan(transactional_db):
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    manager = MembershipFactory(unit=unit, role=Role.MANAGER, user__username="chefen")

    def member(role: Role, username: str, first: str, last: str):
        return MembershipFactory(
            unit=unit,
            role=role,
            user__username=username,
            user__first_name=first,
            user__last_name=last,
        )

    apprentice = member(Role.APPRENTICE, "eleven", "Emma", "Nielsen")
    daily = member(Role.SECRETARY, "oplaereren", "Dorte", "Holm")
    responsible = member(Role.SECRETARY, "ansvarlig", "Rikke", "Berg")
    actor = actor_from_membership(manager)
    today = timezone.localdate()
    made = education_plan_create(
        actor=actor,
        membership=apprentice,
        education="Lægesekretær (EUD)",
        starts_on=today - dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=700),
        daily_trainer=daily.user,
        responsible_trainer=responsible.user,
    )
    period = education_period_add(
        actor=actor,
        plan=made,
        kind="practice",
        title="Praktikperiode 1",
        starts_on=today - dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=100),
    )
    practice_goal_add(
        actor=actor, plan=made, text="Kan modtage patienter i skranken", period=period
    )
    return made


def test_the_apprentice_follows_the_plan_and_the_trainer_approves_a_goal(page: Page, plan) -> None:
    log_in(page, "eleven", TEST_PASSWORD)
    page.locator("#nav-me").click()
    page.locator("#my-plan-link").click()
    expect(page.locator("h1")).to_contain_text("Min uddannelsesplan")
    expect(page.locator("#period-table")).to_contain_text("Praktikperiode 1")
    goal = page.locator("#goal-1")
    expect(goal).to_contain_text("Kan modtage patienter i skranken")
    expect(goal).to_contain_text("Endnu ikke")
    expect(page.locator("#period-form")).to_have_count(0)  # the manager's part
    note = page.locator("#note-form")
    note.locator("#note-text").fill("Har taget imod patienter alene i dag.")
    note.locator("#note-goal").select_option(label="1. Kan modtage patienter i skranken")
    note.locator("button[type=submit]").click()
    expect(page.locator("#note-list")).to_contain_text("Har taget imod patienter alene i dag.")
    assert ProgressNote.objects.get().author.username == "eleven"
    log_out(page)

    log_in(page, "oplaereren", TEST_PASSWORD)
    page.locator("#nav-me").click()
    page.locator("#trained-plans a").click()
    page.locator("#goal-1 button[type=submit]").click()
    expect(page.locator("#goal-1 .approved")).to_contain_text("Dorte Holm")
    assert PracticeGoal.objects.get().approved_by.username == "oplaereren"
    log_out(page)

    log_in(page, "eleven", TEST_PASSWORD)
    page.goto("/staff/me/plan/")
    expect(page.locator("#goal-1 .approved")).to_contain_text("Dorte Holm")
