"""The work queue in a real browser: the secretary opens "Arbejdsliste" from the menu, sees a
dictation, a failed message and a task with the patients' CPR numbers, filters to the tasks,
moves with the keyboard, assigns the task to herself with "m", opens it with Enter and marks
it done; the queue no longer shows it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.pathways.choices import TaskStatus
from klinik.pathways.models import Task
from klinik.pathways.task_services import task_create
from klinik.patients.tests.factories import PatientFactory
from klinik.worklist.tests.factories import dictation_due, message_failed

from .helpers import log_in

pytestmark = [pytest.mark.browser]

THURSDAY = datetime.fromisoformat("2026-11-26T09:30:00+01:00")


@pytest.fixture
def setup(transactional_db, clock):
    clock.set(THURSDAY)
    unit = UnitFactory(name="Medicinsk ambulatorium", organisation__name="Regionshospitalet")
    secretary = MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="sekretaer")
    doctor = MembershipFactory(unit=unit, role=Role.DOCTOR, user__username="laege")
    alma = PatientFactory(unit=unit, given_name="Alma", family_name="Skov")
    bo = PatientFactory(unit=unit, given_name="Bo", family_name="Holm")
    dictation_due(actor_from_membership(doctor), alma, THURSDAY + timedelta(hours=3))
    message_failed(bo, THURSDAY - timedelta(hours=1))
    task = task_create(
        actor=actor_from_membership(secretary),
        title="Send svar til henviser",
        unit=unit,
        patient=bo,
        due=date(2026, 11, 27),
    )
    # The other organisation's work never shows.
    other = UnitFactory(name="Andet sted")
    task_create(
        actor=actor_from_membership(MembershipFactory(unit=other, role=Role.SECRETARY)),
        title="Fremmed opgave",
        unit=other,
        patient=PatientFactory(unit=other),
    )
    return {"alma": alma, "bo": bo, "task": task}


def _focused(page: Page) -> str:
    return page.evaluate("document.activeElement.dataset.workItem || ''")


def test_the_secretary_works_through_the_queue_with_the_keyboard(page: Page, setup) -> None:
    alma, bo, task = setup["alma"], setup["bo"], setup["task"]
    log_in(page, "sekretaer", TEST_PASSWORD)
    page.locator("#nav-worklist").click()
    expect(page).to_have_url(re.compile(r"/arbejdsliste/$"))
    page.wait_for_load_state("load")
    rows = page.locator("tr[data-work-item]")
    expect(rows).to_have_count(3)
    expect(page.locator("#worklist-table")).to_contain_text(alma.cpr_display)
    expect(page.locator("#worklist-table")).to_contain_text(bo.cpr_display)
    expect(page.locator("#worklist-table")).not_to_contain_text("Fremmed opgave")
    expect(page.locator("tr.is-overdue")).to_have_count(1)  # the failed message
    expect(page.locator('[data-kind-count="task"] .badge')).to_have_text("1")

    # The most urgent first, focused: j and k move, arrows too.
    expect(rows.first).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    assert _focused(page) == f"task:{task.public_id}"
    page.keyboard.press("k")
    assert _focused(page).startswith("dictation:")

    # Filter to the tasks: one row, focused.
    page.locator("#id_kind").select_option("task")
    expect(page).to_have_url(re.compile(r"kind=task"))
    page.wait_for_load_state("load")
    expect(rows).to_have_count(1)
    expect(rows.first).to_be_focused()

    # m: assign to me; the list comes back with the task as mine.
    page.keyboard.press("m")
    expect(page.locator(".messages")).to_contain_text("Tildelt dig")
    page.wait_for_load_state("load")
    expect(rows.first).to_contain_text("Dig")
    assert Task.objects.get(pk=task.pk).assignee.username == "sekretaer"

    # Enter opens the task; mark it done.
    rows.first.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/opgaver/{task.public_id}/$"))
    expect(page.locator("#task-title")).to_have_text("Send svar til henviser")
    expect(page.locator("#task-patient")).to_contain_text(bo.cpr_display)
    page.locator("#task-complete").click()
    expect(page.locator("#task-status")).to_have_attribute("data-status", "done")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE

    page.locator("#nav-worklist").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#worklist-table")).not_to_contain_text("Send svar til henviser")
