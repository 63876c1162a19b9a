"""The session's user comes with their memberships in one query; a user whose memberships
are all deactivated, or who is deactivated, is no longer let in."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinik.core.choices import Role


def test_a_page_reads_the_user_and_the_memberships_in_one_query(world, login_as):
    membership = world.member(Role.SECRETARY)
    world.member(Role.DOCTOR, unit=world.unit_a2, user=membership.user)
    client = login_as(membership)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dashboard/")
    assert response.status_code == 200
    reads = [q["sql"] for q in captured if q["sql"].startswith('SELECT "core_membership"')]
    user_reads = [q["sql"] for q in captured if q["sql"].lstrip().startswith('SELECT "core_user"')]
    assert len(reads) == 1, reads
    assert '"core_user"."password"' in reads[0]  # the user itself, for the session check
    assert not any('"core_user"."id" = ' in sql for sql in user_reads), user_reads
    # Both memberships are offered in the switcher.
    page = response.content.decode()
    assert str(membership.public_id) in page
    assert page.count("<option value=") >= 2


def test_a_user_whose_memberships_are_deactivated_is_logged_out(world, login_as):
    membership = world.member(Role.SECRETARY)
    client = login_as(membership)
    assert client.get("/dashboard/").status_code == 200
    membership.is_active = False
    membership.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_deactivated_user_with_memberships_is_not_let_in(world, login_as):
    membership = world.member(Role.SECRETARY)
    client = login_as(membership)
    membership.user.is_active = False
    membership.user.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login/" in response["Location"]
