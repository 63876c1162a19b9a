"""Training and the competence matrix: a manager plans a course for a person (screen and API)
and the matrix shows it beside the levels and gaps; bad input is refused with nothing written;
a person reads their own courses; another organisation gets a 404."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from klinik.api.tests.helpers import ApiClient
from klinik.core.choices import Role
from klinik.staff.models import Competence, Course, PersonCompetence, Training
from klinik.staff.training import competence_matrix


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_a_manager_plans_a_course_over_the_api_and_the_person_reads_it(world, client):
    secretary = world.member(Role.SECRETARY)
    manager = ApiClient(client, world.member(Role.MANAGER))
    path = f"/staff/{secretary.user.username}/courses"
    response = manager.post(path, {"course": "48664", "starts_on": _day(30), "provider": "EUC"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["course"], body["title"], body["status"]) == (
        "48664",
        "Forløbskoordinering",
        "planned",
    )
    done = manager.post(
        path,
        {
            "course": "49627",
            "status": "completed",
            "starts_on": _day(-40),
            "completed_on": _day(-39),
        },
    )
    assert done.status_code == 201
    own = ApiClient(client, secretary).get(path).json()
    assert [t["course"] for t in own] == ["49627", "48664"]
    # The person may not plan for themself; a colleague may not read it.
    assert (
        ApiClient(client, secretary)
        .post(path, {"course": "48664", "starts_on": _day(1)})
        .status_code
        == 404
    )
    assert ApiClient(client, world.member(Role.NURSE)).get(path).status_code == 404


def test_bad_training_input_is_422_naming_the_field_and_nothing_written(world, client):
    secretary = world.member(Role.SECRETARY)
    manager = ApiClient(client, world.member(Role.MANAGER))
    path = f"/staff/{secretary.user.username}/courses"
    for body, field in [
        ({"course": "99999", "starts_on": _day(1)}, "course"),
        (
            {
                "course": "48664",
                "status": "completed",
                "starts_on": _day(-5),
                "completed_on": _day(-9),
            },
            "completed_on",
        ),
        ({"course": "48664", "status": "completed", "starts_on": _day(-5)}, "completed_on"),
        ({"course": "48664", "status": "lost", "starts_on": _day(1)}, "status"),
    ]:
        response = manager.post(path, body)
        assert response.status_code == 422, body
        assert response.json()["detail"].startswith(f"{field}:"), response.json()
    assert not Training.objects.exists()


def test_another_organisations_person_is_a_404(world, client):
    other = world.member(Role.SECRETARY, unit=world.unit_b)
    manager = ApiClient(client, world.member(Role.MANAGER))
    path = f"/staff/{other.user.username}/courses"
    assert manager.get(path).status_code == 404
    assert manager.post(path, {"course": "48664", "starts_on": _day(1)}).status_code == 404
    assert not Training.objects.exists()


def test_the_matrix_shows_levels_gaps_and_a_planned_course_and_exports(world, client, login_as):
    secretary = world.member(Role.SECRETARY, user__first_name="Susanne")
    world.member(Role.NURSE, unit=world.unit_a2, user__first_name="Karen")
    world.member(Role.SECRETARY, unit=world.unit_b)  # organisation B: never in A's matrix
    manager = world.member(Role.MANAGER)
    PersonCompetence.objects.create(
        organisation=world.org_a,
        user=secretary.user,
        competence=Competence.objects.get(organisation=None, code="administration"),
        level="expert",
        assessed_on=timezone.localdate(),
        changed_by=manager.user,
    )
    login_as(manager)
    page = client.get("/staff/matrix/").content.decode()
    row = page[page.index(f'id="matrix-{secretary.user.username}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-level="expert"' in row and row.count('data-level="gap"') == 3
    assert "Planned" not in row and "Planlagt" not in row

    # The manager plans 48664 Forløbskoordinering on the person's page: the matrix shows it.
    response = client.post(
        f"/staff/{secretary.public_id}/courses/",
        {
            "course": "48664",
            "status": "planned",
            "starts_on": (timezone.localdate() + timedelta(days=14)).strftime("%d.%m.%Y"),
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    page = client.get("/staff/matrix/").content.decode()
    row = page[page.index(f'id="matrix-{secretary.user.username}"') :]
    assert "48664" in row[: row.index("</tr>")]

    only_a2 = client.get(f"/staff/matrix/?unit={world.unit_a2.pk}").content.decode()
    assert secretary.user.username not in only_a2
    export = client.get("/staff/matrix/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "Assistance ved undersøgelse og behandling/terapi"
    assert len(rows) == 1 + 3  # the header, the secretary, the nurse, the manager
    assert any("planlagt: 48664" in str(cell) for r in rows for cell in r)


def test_the_screen_refuses_a_completion_before_the_start(world, client, login_as):
    secretary = world.member(Role.SECRETARY)
    login_as(world.member(Role.MANAGER))
    today = timezone.localdate()
    response = client.post(
        f"/staff/{secretary.public_id}/courses/",
        {
            "course": "49627",
            "status": "completed",
            "starts_on": (today - timedelta(days=5)).strftime("%d.%m.%Y"),
            "completed_on": (today - timedelta(days=9)).strftime("%d.%m.%Y"),
        },
    )
    assert response.status_code == 400
    assert not Training.objects.exists()


def test_an_expiring_course_waits_on_the_managers_queue_until_renewed(world, client):
    secretary = world.member(Role.SECRETARY)
    manager = ApiClient(client, world.member(Role.MANAGER))
    path = f"/staff/{secretary.user.username}/courses"
    first_aid = Course.objects.create(
        organisation=world.org_a, number="FH-1", title="Førstehjælp", days=1
    )
    done = manager.post(
        path,
        {
            "course": first_aid.number,
            "status": "completed",
            "starts_on": _day(-700),
            "completed_on": _day(-700),
            "expires_on": _day(20),
        },
    )
    assert done.status_code == 201, done.content
    items = manager.get("/worklist", kind="training").json()
    assert [i["id"] for i in items] == [done.json()["id"]]
    # Organisation B's manager sees nothing; renewing takes it off.
    other = ApiClient(client, world.member(Role.MANAGER, unit=world.unit_b))
    assert other.get("/worklist", kind="training").json() == []
    manager.post(path, {"course": first_aid.number, "starts_on": _day(10)})
    assert manager.get("/worklist", kind="training").json() == []


def test_the_matrix_reads_a_constant_number_of_queries(world):
    def queries_for(people: int) -> int:
        for _ in range(people):
            world.member(Role.SECRETARY)
        with CaptureQueriesContext(connection) as captured:
            competence_matrix(organisation=world.org_a)
        return len(captured)

    assert queries_for(2) == queries_for(20) <= 6


def test_a_course_certificate_downloads_for_the_person_and_the_managers_only(
    world, client, login_as, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    secretary = world.member(Role.SECRETARY)
    manager = world.member(Role.MANAGER)
    login_as(manager)
    response = client.post(
        f"/staff/{secretary.public_id}/courses/",
        {
            "course": "49627",
            "status": "completed",
            "starts_on": (timezone.localdate() - timedelta(days=9)).strftime("%d.%m.%Y"),
            "completed_on": (timezone.localdate() - timedelta(days=5)).strftime("%d.%m.%Y"),
            "certificate": SimpleUploadedFile("bevis.pdf", b"%PDF-1.4 certificate"),
        },
    )
    assert response.status_code == 302, response.content[:400]
    training = Training.objects.get(user=secretary.user)
    url = f"/staff/training/{training.public_id}/certificate/"
    assert url in client.get(f"/staff/{secretary.public_id}/competences/").content.decode()
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 certificate"
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="kursusbevis-49627.pdf"'
    client.logout()
    login_as(secretary)
    assert client.get(url).status_code == 200
    client.logout()
    login_as(world.member(Role.SECRETARY))
    assert client.get(url).status_code == 404
