"""access_patient: the one door, break the glass, and the per-patient access report."""

import pytest
from django.http import Http404

from klinik.audit.choices import Channel, Purpose
from klinik.audit.models import AccessLogEntry, BreakGlassReview
from klinik.core.choices import Role
from klinik.patients.access import access_patient, patient_break_glass
from klinik.patients.errors import BreakGlassReasonMissing, BreakGlassRequired
from klinik.patients.models import PatientAccessGrant


def test_every_read_is_logged(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    before = AccessLogEntry.objects.count()
    access_patient(actor=actor, public_id=world.patient_a.public_id, channel=Channel.UI)
    entry = AccessLogEntry.objects.latest("seq")
    assert AccessLogEntry.objects.count() == before + 1
    assert entry.patient_id == world.patient_a.public_id
    assert entry.channel == Channel.UI


def test_garbage_id_is_a_404(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    with pytest.raises(Http404):
        access_patient(actor=actor, public_id="ikke-et-id", channel=Channel.UI)


def test_other_unit_needs_break_the_glass_with_a_reason(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    with pytest.raises(BreakGlassRequired):
        access_patient(actor=actor, public_id=world.patient_a2.public_id, channel=Channel.UI)
    with pytest.raises(BreakGlassReasonMissing):
        patient_break_glass(
            actor=actor, public_id=world.patient_a2.public_id, reason=" ", channel=Channel.UI
        )
    assert not PatientAccessGrant.objects.exists()

    patient_break_glass(
        actor=actor,
        public_id=world.patient_a2.public_id,
        reason="Patienten ringer akut",
        channel=Channel.UI,
    )
    access_patient(actor=actor, public_id=world.patient_a2.public_id, channel=Channel.UI)
    flagged = AccessLogEntry.objects.filter(
        patient_id=world.patient_a2.public_id, is_break_glass=True
    )
    assert flagged.count() == 2
    assert flagged.filter(reason="Patienten ringer akut", purpose=Purpose.BREAK_GLASS).exists()


def test_break_the_glass_never_crosses_organisations(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    with pytest.raises(Http404):
        patient_break_glass(
            actor=actor, public_id=world.patient_b.public_id, reason="nød", channel=Channel.UI
        )
    assert not PatientAccessGrant.objects.exists()


def test_break_the_glass_in_the_ui_and_manager_review(world, client, login_as):
    secretary = world.member(Role.SECRETARY)
    login_as(secretary)
    url = f"/patients/{world.patient_a2.public_id}/"
    assert client.get(url).status_code == 403
    no_reason = client.post(f"{url}break-glass/", {"reason": ""})
    assert no_reason.status_code == 403
    assert not PatientAccessGrant.objects.exists()
    assert client.post(f"{url}break-glass/", {"reason": "Akut opkald"}).status_code == 302
    assert client.get(url).status_code == 200

    client.post("/logout/")
    login_as(world.member(Role.MANAGER))
    dashboard = client.get("/dashboard/").content.decode()
    assert "Akut opkald" in dashboard
    entry = AccessLogEntry.objects.filter(reason="Akut opkald").get()
    response = client.post(
        f"/access-log/break-glass/{entry.seq}/review/", {"outcome": "justified", "comment": "ok"}
    )
    assert response.status_code == 302
    review = BreakGlassReview.objects.get(entry=entry)
    assert review.outcome == "justified"
    assert "Akut opkald" not in client.get("/dashboard/").content.decode()


def test_manager_cannot_review_another_organisations_access(world, client, login_as, actor_for):
    other = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    patient_b2 = world.patient_b.__class__.objects.create(
        organisation=world.org_b,
        unit=None,
        cpr="0101011234",
        given_name="X",
        family_name="Y",
        birth_date=world.patient_b.birth_date,
    )
    patient_break_glass(actor=other, public_id=patient_b2.public_id, reason="r", channel="ui")
    entry = AccessLogEntry.objects.filter(is_break_glass=True).get()
    login_as(world.member(Role.MANAGER))
    response = client.post(f"/access-log/break-glass/{entry.seq}/review/", {"outcome": "justified"})
    assert response.status_code == 404
    assert not BreakGlassReview.objects.exists()


def test_access_report_lists_who_accessed_the_patient(world, client, login_as, actor_for):
    nurse = world.member(Role.NURSE)
    access_patient(actor=actor_for(nurse), public_id=world.patient_a.public_id, channel=Channel.API)
    login_as(world.member(Role.SECRETARY))
    response = client.get(f"/patients/{world.patient_a.public_id}/access-log/")
    assert response.status_code == 200
    body = response.content.decode()
    assert nurse.user.get_full_name() in body
    # Printing the report is itself an access.
    assert AccessLogEntry.objects.filter(
        patient_id=world.patient_a.public_id, object_type="access_report"
    ).exists()


def test_access_report_needs_its_permission(world, client, login_as):
    login_as(world.member(Role.NURSE))
    assert client.get(f"/patients/{world.patient_a.public_id}/access-log/").status_code == 403
