"""Apprentices (issue 17 item 5): the manager makes an education plan with school and practice
periods, practice goals and the two trainers; the trainers approve goals and, once ended, a
practice period; everyone on the plan writes progress notes; the apprentice sees their own
plan; other staff and other organisations see nothing. Bad input is refused at the field with
nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.staff.models import EducationPeriod, EducationPlan, PracticeGoal, ProgressNote
from klinik.staff.training import training_record


def _d(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


@pytest.fixture
def people(world):
    return {
        "manager": world.member(Role.MANAGER),
        "apprentice": world.member(Role.APPRENTICE, user__first_name="Emma"),
        "daily": world.member(Role.SECRETARY, user__first_name="Dorte"),
        "responsible": world.member(Role.SECRETARY, user__first_name="Rikke"),
        "nurse": world.member(Role.NURSE),
        "other_manager": world.member(Role.MANAGER, unit=world.unit_b),
    }


def _plan_body(people, **overrides):
    today = timezone.localdate()
    body = {
        "apprentice": people["apprentice"].pk,
        "education": "Lægesekretær (EUD)",
        "starts_on": _d(today - dt.timedelta(days=200)),
        "ends_on": _d(today + dt.timedelta(days=500)),
        "daily_trainer": people["daily"].pk,
        "responsible_trainer": people["responsible"].pk,
    }
    return body | overrides


@pytest.fixture
def plan(client, login_as, people):
    login_as(people["manager"])
    response = client.post("/staff/apprentices/", _plan_body(people))
    assert response.status_code == 302, response.content.decode()[-1500:]
    client.post("/logout/")
    return EducationPlan.objects.get()


def test_a_manager_makes_a_plan_with_periods_and_goals(world, client, login_as, people, plan):
    assert plan.apprentice == people["apprentice"].user
    assert plan.daily_trainer == people["daily"].user
    assert AccessLogEntry.objects.filter(object_id=str(plan.public_id)).exists()
    login_as(people["manager"])
    url = f"/staff/apprentices/{plan.public_id}/"
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "action": "period",
            "kind": "practice",
            "title": "Praktikperiode 1",
            "starts_on": _d(today - dt.timedelta(days=100)),
            "ends_on": _d(today - dt.timedelta(days=1)),
        },
    )
    assert response.status_code == 302
    period = EducationPeriod.objects.get()
    response = client.post(
        url, {"action": "goal", "text": "Kan booke tider i kalenderen", "period": period.pk}
    )
    assert response.status_code == 302
    assert PracticeGoal.objects.get().number == 1
    page = client.get(url).content.decode()
    assert "Praktikperiode 1" in page and "Kan booke tider i kalenderen" in page
    # Neither trainer has the AMU course for their part: the page says so.
    assert 'id="daily-course-missing"' in page and 'id="responsible-course-missing"' in page
    assert "/staff/apprentices/" in client.get("/staff/").content.decode()


def test_trainer_courses_are_recognised(world, client, login_as, people, plan, actor_for):
    for who, number in (("daily", "49998"), ("responsible", "49995")):
        training_record(
            actor=actor_for(people["manager"]),
            membership=people[who],
            course_number=number,
            status="completed",
            starts_on=timezone.localdate() - dt.timedelta(days=30),
            completed_on=timezone.localdate() - dt.timedelta(days=29),
        )
    login_as(people["manager"])
    page = client.get(f"/staff/apprentices/{plan.public_id}/").content.decode()
    assert "course-missing" not in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"apprentice": "daily"}, "apprentice"),  # a secretary is not an apprentice
        ({"daily_trainer": "apprentice"}, "daily_trainer"),  # not in the trainer list
        ({"ends_on": "01.01.2020"}, "ends_on"),
    ],
)
def test_bad_plans_are_refused_at_the_field(world, client, login_as, people, overrides, field):
    login_as(people["manager"])
    body = _plan_body(people)
    for key, value in overrides.items():
        body[key] = people[value].pk if value in people else value
    response = client.post("/staff/apprentices/", body)
    assert response.status_code == 400
    assert f'id="id_{field}"' in response.content.decode()
    assert "errorlist" in response.content.decode()
    assert not EducationPlan.objects.exists()


def test_a_period_outside_the_plan_is_refused(world, client, login_as, people, plan):
    login_as(people["manager"])
    response = client.post(
        f"/staff/apprentices/{plan.public_id}/",
        {
            "action": "period",
            "kind": "school",
            "title": "Skoleperiode 9",
            "starts_on": _d(plan.ends_on - dt.timedelta(days=10)),
            "ends_on": _d(plan.ends_on + dt.timedelta(days=10)),
        },
    )
    assert response.status_code == 400
    assert "The period must lie within the plan" in response.content.decode() or (
        "Perioden skal ligge inden for planen" in response.content.decode()
    )
    assert not EducationPeriod.objects.exists()


def _goal_and_period(plan, *, ends_in_days: int):
    today = timezone.localdate()
    period = EducationPeriod.objects.create(
        organisation_id=plan.organisation_id,
        plan=plan,
        kind="practice",
        title="Praktikperiode 1",
        starts_on=today - dt.timedelta(days=100),
        ends_on=today + dt.timedelta(days=ends_in_days),
    )
    goal = PracticeGoal.objects.create(
        organisation_id=plan.organisation_id, plan=plan, number=1, text="Kan modtage patienter"
    )
    return goal, period


def test_only_a_trainer_approves_a_goal(world, client, login_as, people, plan):
    goal, _period = _goal_and_period(plan, ends_in_days=-1)
    url = f"/staff/apprentices/{plan.public_id}/"
    login_as(people["apprentice"])
    client.post(url, {"action": "approve_goal", "goal": str(goal.public_id)})
    goal.refresh_from_db()
    assert goal.approved_by is None
    client.post("/logout/")
    login_as(people["daily"])
    assert (
        client.post(url, {"action": "approve_goal", "goal": str(goal.public_id)}).status_code == 302
    )
    goal.refresh_from_db()
    assert goal.approved_by == people["daily"].user
    assert goal.approved_on == timezone.localdate()


def test_the_responsible_trainer_approves_a_practice_period_once_ended(
    world, client, login_as, people, plan
):
    _goal, running = _goal_and_period(plan, ends_in_days=5)
    url = f"/staff/apprentices/{plan.public_id}/"
    login_as(people["responsible"])
    client.post(url, {"action": "approve_period", "period": str(running.public_id)})
    running.refresh_from_db()
    assert running.approved_by is None  # not ended yet
    running.ends_on = timezone.localdate() - dt.timedelta(days=1)
    running.save()
    client.post(url, {"action": "approve_period", "period": str(running.public_id)})
    running.refresh_from_db()
    assert running.approved_by == people["responsible"].user
    # The daily trainer may approve goals, not periods.
    client.post("/logout/")
    login_as(people["daily"])
    page = client.get(url).content.decode()
    assert "approve_period" not in page


def test_the_apprentice_sees_their_own_plan_and_writes_a_note(
    world, client, login_as, people, plan
):
    login_as(people["apprentice"])
    me = client.get("/staff/me/").content.decode()
    assert 'id="my-plan-link"' in me
    page = client.get("/staff/me/plan/")
    assert page.status_code == 200
    assert "Lægesekretær (EUD)" in page.content.decode()
    assert 'id="period-form"' not in page.content.decode()  # the manager's part
    response = client.post(
        f"/staff/apprentices/{plan.public_id}/",
        {"action": "note", "text": "I dag har jeg booket 20 tider alene."},
    )
    assert response.status_code == 302
    assert ProgressNote.objects.get().author == people["apprentice"].user


def test_others_do_not_see_the_plan(world, client, login_as, people, plan):
    url = f"/staff/apprentices/{plan.public_id}/"
    login_as(people["nurse"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "note", "text": "x"}).status_code == 404
    assert client.get("/staff/me/plan/").status_code == 200  # her own: none
    client.post("/logout/")
    login_as(people["other_manager"])
    assert client.get(url).status_code == 404
    assert str(plan.public_id) not in client.get("/staff/apprentices/").content.decode()
    assert not ProgressNote.objects.exists()
