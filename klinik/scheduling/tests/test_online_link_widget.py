"""Issue 11.5: the staff see their units' public booking links on the dashboard."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from klinik.core.choices import Role
from klinik.core.models import Unit
from klinik.scheduling.tests.factories import clinic_create


def test_the_dashboard_shows_the_staff_the_booking_link(world, client, login_as):
    Unit.objects.filter(pk=world.unit_a.pk).update(slug="laegehuset")
    clinic_create(world.unit_a)
    clinic_b = clinic_create(world.unit_b)
    login_as(world.member(Role.SECRETARY))
    body = client.get(reverse("dashboard")).content.decode()
    assert 'id="widget-online_booking"' in body
    assert 'value="http://testserver/book/laegehuset/"' in body
    # Not a unit of the organisation without online types, nor another organisation's.
    assert f"/book/{world.unit_a2.slug}/" not in body
    assert f"/book/{clinic_b.unit.slug}/" not in body


def test_without_online_types_the_dashboard_says_so(world, client, login_as):
    login_as(world.member(Role.SECRETARY))
    body = client.get(reverse("dashboard")).content.decode()
    widget = body.split('id="widget-online_booking"')[1].split("</section>")[0]
    with translation.override("da"):
        assert gettext("No appointment type can be booked online.") in widget
    assert "/book/" not in widget
