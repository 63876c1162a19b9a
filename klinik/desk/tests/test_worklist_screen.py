"""The work queue screen (/arbejdsliste/), the task screens and the dashboard's counts, through
the Django test client: CPR beside each name, overdue marked, counts per kind, filters,
assign to me, and nothing of another organisation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.pathways.choices import TaskStatus
from klinik.pathways.models import Task, TaskComment
from klinik.pathways.task_services import task_create
from klinik.records.choices import DictationStatus
from klinik.records.tests.factories import record_world_create
from klinik.worklist.tests.factories import THURSDAY, dictation_due, hours, message_failed


@pytest.fixture
def rw(world):
    return record_world_create(world)


@pytest.fixture
def waiting(rw, clock):
    clock.set(THURSDAY)
    dictation = dictation_due(rw.doctor_actor, rw.patient, THURSDAY + hours(1))
    failed = message_failed(rw.patient, THURSDAY - hours(2))
    task = task_create(
        actor=rw.secretary_actor,
        title="Send epikrise til egen læge",
        unit=rw.unit,
        patient=rw.patient,
        due=date(2026, 11, 30),
    )
    clock.set(THURSDAY + hours(2))
    return {"dictation": dictation, "failed": failed, "task": task}


def test_the_queue_shows_each_item_with_cpr_overdue_and_counts(rw, waiting, client, login_as):
    login_as(rw.secretary)
    before = AccessLogEntry.objects.filter(object_type="worklist").count()
    response = client.get("/arbejdsliste/")
    assert response.status_code == 200
    body = response.content.decode()
    assert rw.patient.cpr_display in body
    assert rw.patient.name in body
    assert body.count('data-work-item="') == 3
    assert body.count("is-overdue") == 2  # the failed message and the dictation due an hour ago
    assert 'data-kind-count="task"' in body and "30.11.2026" in body
    assert 'id="nav-worklist"' in body
    assert AccessLogEntry.objects.filter(object_type="worklist").count() == before + 1
    # No CPR number or name in the links.
    assert rw.patient.cpr not in response.request["PATH_INFO"]


def test_filters_by_kind_and_due(rw, waiting, client, login_as):
    login_as(rw.secretary)
    body = client.get("/arbejdsliste/", {"kind": "task"}).content.decode()
    assert body.count('data-work-item="') == 1
    assert f'data-work-item="task:{waiting["task"].public_id}"' in body
    body = client.get("/arbejdsliste/", {"due": "overdue"}).content.decode()
    assert body.count('data-work-item="') == 2
    assert "task:" not in body.split("<tbody>")[1]
    # Bad filter values fall back to the whole queue, not an error page.
    assert client.get("/arbejdsliste/", {"due": "someday", "offset": "x"}).status_code == 200


def test_assign_to_me_from_the_queue(rw, waiting, client, login_as):
    login_as(rw.secretary)
    response = client.post(
        "/arbejdsliste/take/",
        {"item": f"task:{waiting['task'].public_id}", "next": "/arbejdsliste/?kind=task"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/arbejdsliste/?kind=task"
    waiting["task"].refresh_from_db()
    assert waiting["task"].assignee == rw.secretary.user
    response = client.post(
        "/arbejdsliste/take/", {"item": f"dictation:{waiting['dictation'].public_id}"}
    )
    assert response.status_code == 302
    waiting["dictation"].refresh_from_db()
    assert waiting["dictation"].status == DictationStatus.IN_PROGRESS
    assert waiting["dictation"].taken_by == rw.secretary.user
    # Failed messages are nobody's to take; an unsafe next goes back to the queue.
    outbox = {"item": f"outbox:{waiting['failed'].public_id}"}
    assert client.post("/arbejdsliste/take/", outbox).status_code == 404
    response = client.post(
        "/arbejdsliste/take/",
        {"item": f"task:{waiting['task'].public_id}", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/arbejdsliste/"


def test_another_organisation_sees_nothing_and_cannot_take(rw, waiting, client, login_as):
    login_as(rw.other_doctor)
    body = client.get("/arbejdsliste/").content.decode()
    assert 'data-work-item="' not in body
    assert rw.patient.cpr_display not in body
    for kind, thing in (("task", waiting["task"]), ("dictation", waiting["dictation"])):
        response = client.post("/arbejdsliste/take/", {"item": f"{kind}:{thing.public_id}"})
        assert response.status_code == 404
    waiting["task"].refresh_from_db()
    assert waiting["task"].assignee is None
    assert client.get(f"/opgaver/{waiting['task'].public_id}/").status_code == 404
    response = client.post(f"/opgaver/{waiting['task'].public_id}/complete/")
    assert response.status_code == 404
    assert Task.objects.get(pk=waiting["task"].pk).status == TaskStatus.OPEN


def test_a_task_is_created_from_the_patient_page_and_worked_on_its_page(rw, client, login_as):
    login_as(rw.secretary)
    page = client.get(f"/patients/{rw.patient.public_id}/").content.decode()
    assert f"/opgaver/ny/?patient={rw.patient.public_id}" in page
    form = client.get("/opgaver/ny/", {"patient": str(rw.patient.public_id)}).content.decode()
    assert rw.patient.cpr_display in form
    response = client.post(
        "/opgaver/ny/",
        {
            "title": "Bestil tolk",
            "patient": str(rw.patient.public_id),
            "unit": str(rw.unit.public_id),
            "assign_to": "role:secretary",
            "due": "01.12.2026",
            "priority": "2",
            "comment": "Arabisk",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    task = Task.objects.get(title="Bestil tolk")
    assert (task.patient, task.assignee_role, task.due, task.priority) == (
        rw.patient,
        Role.SECRETARY,
        date(2026, 12, 1),
        2,
    )
    assert response["Location"] == f"/opgaver/{task.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Arabisk" in page and rw.patient.cpr_display in page
    assert client.post(f"/opgaver/{task.public_id}/take/").status_code == 302
    client.post(f"/opgaver/{task.public_id}/comment/", {"text": "Tolk bestilt"})
    client.post(f"/opgaver/{task.public_id}/complete/", {"comment": ""})
    task.refresh_from_db()
    assert (task.assignee, task.status) == (rw.secretary.user, TaskStatus.DONE)
    assert list(TaskComment.objects.filter(task=task).values_list("text", flat=True)) == [
        "Arabisk",
        "Tolk bestilt",
    ]
    client.post(f"/opgaver/{task.public_id}/reopen/")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_creating_a_task_for_someone_outside_is_refused_on_the_form(rw, client, login_as):
    login_as(rw.secretary)
    response = client.post(
        "/opgaver/ny/",
        {
            "title": "Ring",
            "unit": str(rw.world.unit_b.public_id),  # another organisation's unit
            "assign_to": f"user:{rw.other_doctor.user.public_id}",
            "priority": "1",
        },
    )
    assert response.status_code == 422
    assert not Task.objects.exists()


def test_a_task_assigned_to_a_person_of_another_organisation_via_the_form_is_refused(
    rw, client, login_as
):
    task = task_create(actor=rw.secretary_actor, title="Ring", unit=rw.unit)
    login_as(rw.secretary)
    response = client.post(
        f"/opgaver/{task.public_id}/assign/",
        {"unit": str(rw.unit.public_id), "assign_to": f"user:{rw.other_doctor.user.public_id}"},
    )
    assert response.status_code == 422  # not among the choices
    task.refresh_from_db()
    assert task.assignee is None


def test_the_dashboard_shows_the_queue_counts(rw, waiting, client, login_as):
    login_as(rw.secretary)
    body = client.get("/dashboard/").content.decode()
    assert 'id="widget-worklist"' in body
    assert 'id="worklist-total">3<' in body
    assert 'id="worklist-overdue"' in body
    assert (
        rw.patient.cpr_display not in body.split('id="widget-worklist"')[1].split("</section>")[0]
    )


def test_the_screen_costs_the_same_with_more_items(
    rw, clock, client, login_as, django_assert_max_num_queries
):
    clock.set(THURSDAY)
    login_as(rw.secretary)
    for i in range(3):
        dictation_due(rw.doctor_actor, rw.patient, THURSDAY + timedelta(hours=1 + i))
    task_create(actor=rw.secretary_actor, title="Første", unit=rw.unit, assignee=rw.secretary.user)
    client.get("/arbejdsliste/")
    with django_assert_max_num_queries(33) as few:
        client.get("/arbejdsliste/")
    for i in range(20):
        dictation_due(rw.doctor_actor, rw.world.patient_a, THURSDAY + timedelta(hours=5 + i))
        task_create(
            actor=rw.secretary_actor,
            title=f"Opgave {i}",
            unit=rw.unit if i % 2 else rw.unit2,
            patient=rw.patient,
            assignee=rw.secretary.user if i % 3 else rw.doctor.user,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/arbejdsliste/")


def test_the_task_form_finds_the_patient_by_cpr_and_asks_when_several_match(rw, client, login_as):
    from klinik.patients.tests.factories import PatientFactory

    login_as(rw.secretary)
    form = {"title": "Ring", "unit": str(rw.unit.public_id), "assign_to": "unit", "priority": "1"}
    response = client.post("/opgaver/ny/", {**form, "patient_query": rw.patient.cpr})
    assert response.status_code == 302, response.content.decode()[:1500]
    assert Task.objects.get().patient == rw.patient
    twins = [
        PatientFactory(unit=rw.unit, given_name="Tvilling", family_name="Hansen") for _ in "ab"
    ]
    response = client.post("/opgaver/ny/", {**form, "patient_query": "Tvilling Hansen"})
    assert response.status_code == 422
    body = response.content.decode()
    assert all(str(t.public_id) in body for t in twins)
    assert Task.objects.count() == 1
    response = client.post("/opgaver/ny/", {**form, "patient": str(twins[1].public_id)})
    assert response.status_code == 302
    assert Task.objects.filter(patient=twins[1]).exists()
    response = client.post("/opgaver/ny/", {**form, "patient_query": "Ingen Sådan Person"})
    assert response.status_code == 422
    assert Task.objects.count() == 2


def test_texts_on_the_queue_are_escaped(rw, client, login_as):
    task_create(actor=rw.secretary_actor, title="<script>alert(1)</script>", unit=rw.unit)
    login_as(rw.secretary)
    body = client.get("/arbejdsliste/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
