import pytest

from klinik.core.choices import Role


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.SECRETARY, ["widget-patient_search", "widget-security"], ["widget-staff"]),
        (Role.MANAGER, ["widget-staff", "widget-break_glass", "widget-vaccination_report"], []),
        (
            Role.SYSTEM_ADMIN,
            ["widget-staff"],
            ["widget-patient_search", "widget-vaccination_report"],
        ),
        (Role.DOCTOR, ["widget-patient_search"], ["widget-staff", "widget-break_glass"]),
    ],
)
def test_dashboard_shows_the_widgets_of_the_role(world, client, login_as, role, shown, hidden):
    login_as(world.member(role))
    body = client.get("/dashboard/").content.decode()
    for key in shown:
        assert f'id="{key}"' in body
    for key in hidden:
        assert f'id="{key}"' not in body


def test_dashboard_query_count_does_not_grow_with_staff(
    world, client, login_as, django_assert_max_num_queries
):
    login_as(world.member(Role.MANAGER))
    client.get("/dashboard/")
    for _ in range(15):
        world.member(Role.NURSE)
    with django_assert_max_num_queries(12):
        client.get("/dashboard/")


def test_anonymous_is_sent_to_login(db, client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
