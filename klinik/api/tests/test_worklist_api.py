"""GET /api/v1/worklist and /api/v1/tasks: the contract's fields, 422 naming the field for bad
input with nothing written, and 404 across organisations (nothing leaked or changed)."""

from __future__ import annotations

from datetime import date

import pytest

from klinik.api.tests.helpers import MISSING, ApiClient
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.pathways.choices import TaskStatus
from klinik.pathways.models import Task, TaskComment
from klinik.pathways.task_services import task_create
from klinik.records.tests.factories import record_world_create
from klinik.worklist.tests.factories import THURSDAY, dictation_due, hours, message_failed


@pytest.fixture
def rw(world):
    return record_world_create(world)


@pytest.fixture
def api(rw, client):
    return ApiClient(client, rw.secretary)


@pytest.fixture
def api_b(rw, client):
    return ApiClient(client, rw.other_doctor)


@pytest.fixture
def waiting(rw, clock):
    clock.set(THURSDAY)
    dictation = dictation_due(rw.doctor_actor, rw.patient, THURSDAY + hours(1))
    failed = message_failed(rw.patient, THURSDAY - hours(2))
    task = task_create(actor=rw.secretary_actor, title="Ring", unit=rw.unit, patient=rw.patient)
    clock.set(THURSDAY + hours(2))
    return {"dictation": dictation, "failed": failed, "task": task}


def test_the_worklist_answers_the_contract(rw, api, waiting):
    before = AccessLogEntry.objects.filter(object_type="worklist", channel="api").count()
    response = api.get("/worklist", unit=str(rw.unit.public_id))
    assert response.status_code == 200, response.content
    items = response.json()
    assert [(i["kind"], i["id"]) for i in items] == [
        ("outbox", str(waiting["failed"].public_id)),
        ("dictation", str(waiting["dictation"].public_id)),
        ("task", str(waiting["task"].public_id)),
    ]
    first = items[0]
    assert {"kind", "id", "patient", "title", "due", "overdue"} <= set(first)
    assert first["patient"] == str(rw.patient.public_id)
    assert first["patient_cpr"] == rw.patient.cpr_display
    assert [i["overdue"] for i in items] == [True, True, False]
    assert items[2]["due"] is None
    assert (
        AccessLogEntry.objects.filter(object_type="worklist", channel="api").count() == before + 1
    )


def test_the_worklist_filters(rw, api, waiting):
    assert [i["kind"] for i in api.get("/worklist", kind="task").json()] == ["task"]
    assert len(api.get("/worklist", due="overdue").json()) == 2
    assert [i["kind"] for i in api.get("/worklist", assignee="none", kind="task").json()] == [
        "task"
    ]
    assert api.get("/worklist", assignee="me").json() == []
    assert len(api.get("/worklist", limit=1, offset=1).json()) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"due": "someday"}, "due"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"assignee": "somebody"}, "assignee"),
        ({"assignee": MISSING}, "assignee"),
    ],
)
def test_bad_worklist_input_is_422_naming_the_field(api, waiting, params, field):
    response = api.get("/worklist", **params)
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(f"{field}:")


def test_another_organisation_sees_nothing_of_the_worklist(rw, api_b, waiting):
    assert api_b.get("/worklist").json() == []
    assert api_b.get("/worklist", unit=str(rw.unit.public_id)).status_code == 404
    assert api_b.get("/worklist", unit=MISSING).status_code == 404


def test_a_task_is_created_read_changed_and_commented(rw, api, clock):
    clock.set(THURSDAY)
    response = api.post(
        "/tasks",
        {
            "title": "Send svar til henviser",
            "patient": str(rw.patient.public_id),
            "assignee_role": "secretary",
            "due": "2026-11-30",
            "priority": 2,
            "comment": "Se henvisningen",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    task = Task.objects.get(public_id=body["id"])
    assert (task.unit, task.patient, task.assignee_role, task.due, task.priority) == (
        rw.unit,
        rw.patient,
        "secretary",
        date(2026, 11, 30),
        2,
    )
    assert body["comments"][0]["text"] == "Se henvisningen"
    got = api.get(f"/tasks/{task.public_id}").json()
    assert got["title"] == "Send svar til henviser" and got["status"] == "open"
    patched = api.patch(
        f"/tasks/{task.public_id}",
        {"assignee": str(rw.doctor.user.public_id), "due": None, "title": "Send svar"},
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["assignee"], patched.json()["due"], patched.json()["title"]) == (
        str(rw.doctor.user.public_id),
        None,
        "Send svar",
    )
    done = api.patch(f"/tasks/{task.public_id}", {"status": "done", "comment": "Sendt"})
    assert done.json()["status"] == "done"
    assert [c["text"] for c in done.json()["comments"]] == ["Se henvisningen", "Sendt"]
    assert api.patch(f"/tasks/{task.public_id}", {"status": "open"}).json()["status"] == "open"
    comment = api.post(f"/tasks/{task.public_id}/comments", {"text": "Ringet igen"})
    assert comment.status_code == 201
    listed = api.get("/tasks").json()
    assert [t["id"] for t in listed] == [str(task.public_id)]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Ring", "priority": 7}, "priority"),
        ({"title": "Ring", "assignee_role": "king"}, "assignee_role"),
        ({"title": "Ring", "due": "0001-01-01"}, "due"),
        ({"title": "Ring", "assignee": MISSING}, "assignee"),
        ({"title": "Ring", "unit": MISSING}, "unit"),
    ],
)
def test_bad_task_input_is_422_naming_the_field_and_writes_nothing(api, payload, field):
    response = api.post("/tasks", payload)
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(f"{field}"), response.json()
    assert not Task.objects.exists()


def test_a_task_for_someone_outside_the_organisation_is_422_and_nothing_changes(rw, api):
    outsider = str(rw.other_doctor.user.public_id)
    response = api.post("/tasks", {"title": "Ring", "assignee": outsider})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("assignee:")
    assert not Task.objects.exists()
    task = task_create(actor=rw.secretary_actor, title="Ring", unit=rw.unit)
    response = api.patch(f"/tasks/{task.public_id}", {"assignee": outsider, "title": "Nyt"})
    assert response.status_code == 422
    task.refresh_from_db()
    assert (task.assignee, task.title) == (None, "Ring")


def test_a_closed_task_refuses_changes(rw, api):
    task = task_create(actor=rw.secretary_actor, title="Ring", unit=rw.unit)
    api.patch(f"/tasks/{task.public_id}", {"status": "cancelled"})
    response = api.patch(f"/tasks/{task.public_id}", {"title": "Nyt"})
    assert response.status_code == 422
    assert response.json()["code"] == "task_closed"
    task.refresh_from_db()
    assert (task.title, task.status) == ("Ring", TaskStatus.CANCELLED)


def test_another_organisations_task_is_404_and_unchanged(rw, api_b):
    task = task_create(actor=rw.secretary_actor, title="Ring", unit=rw.unit, patient=rw.patient)
    for response in (
        api_b.get(f"/tasks/{task.public_id}"),
        api_b.patch(f"/tasks/{task.public_id}", {"status": "done"}),
        api_b.post(f"/tasks/{task.public_id}/comments", {"text": "Hej"}),
        api_b.get(f"/tasks/{MISSING}"),
    ):
        assert response.status_code == 404
        assert "Ring" not in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not TaskComment.objects.exists()
    assert api_b.get("/tasks").json() == []
    assert api_b.get("/tasks", unit=str(rw.unit.public_id)).status_code == 404
    response = api_b.post("/tasks", {"title": "Ring", "patient": str(rw.patient.public_id)})
    assert response.status_code == 404
    assert Task.objects.count() == 1


def test_a_role_without_task_work_is_refused(world, client):
    manager = ApiClient(client, world.member(Role.MANAGER))
    assert manager.post("/tasks", {"title": "Ring"}).status_code == 403
    assert not Task.objects.exists()
