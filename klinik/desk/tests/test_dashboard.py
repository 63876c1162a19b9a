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
    # The work queue's counts add a count per kind the manager sees (and the deadlines' setting).
    with django_assert_max_num_queries(17):
        client.get("/dashboard/")


def test_anonymous_is_sent_to_login(db, client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_dashboard_lists_messages_not_sent_for_want_of_consent(world, client, login_as):
    from django.utils import timezone

    from klinik.audit.models import AccessLogEntry
    from klinik.correspondence.choices import MessageKind, MessageStatus
    from klinik.correspondence.services import outbox_message_queue

    silent = world.patient_a
    silent.consent_sms = silent.consent_email = False
    silent.save()
    message = outbox_message_queue(
        organisation_id=silent.organisation_id,
        unit_id=silent.unit_id,
        patient=silent,
        kind=MessageKind.CONFIRMATION,
        subject="",
        body="Din tid er bekræftet.",
        due=timezone.now(),
    )
    assert message.status == MessageStatus.SKIPPED
    login_as(world.member(Role.SECRETARY))
    body = client.get("/dashboard/").content.decode()
    widget = body[body.index('id="widget-unsent"') :]
    assert "1 besked blev ikke sendt" in widget
    assert silent.name in widget and silent.cpr_display in widget
    assert "/outbox/?status=skipped&amp;reason=no_channel" in widget
    assert world.patient_b.name not in widget  # another organisation's
    # The list names patients: the read is logged.
    assert AccessLogEntry.objects.filter(object_type="outbox", username__isnull=False).exists()
    outbox = client.get("/outbox/?status=skipped&reason=no_channel").content.decode()
    assert silent.name in outbox
