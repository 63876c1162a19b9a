"""The services behind the screens and the API: task_create's checks (two organisations), a
booking put on the open pathway by the worker (meeting "tell the patient"), an event changed
re-computes the deadlines, attachments kept as record documents, the patient's export and the
care relation."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.correspondence.tests.helpers import run_due_tasks
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.models import Deadline, Pathway, PathwayLink, PathwayMarker, Task
from klinik.pathways.pathway_services import (
    pathway_close,
    pathway_marker_add,
    pathway_marker_remove,
)
from klinik.pathways.referral_services import referral_attach, referral_receive, referral_visitate
from klinik.pathways.task_services import task_create
from klinik.patients.access import has_care_relation
from klinik.records.tests.document_files import pdf_bytes, upload
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.tests.factories import at, clinic_create


@pytest.fixture
def actor(world, actor_for, secretary):
    return actor_for(secretary)


@pytest.fixture
def doctor_actor(actor_for, doctor):
    return actor_for(doctor)


def _referral(actor, world, when=datetime(2025, 12, 18, 9, 0, tzinfo=LOCAL), **extra):
    return referral_receive(
        actor=actor,
        patient=extra.pop("patient", world.patient_a),
        unit=extra.pop("unit", world.unit_a),
        received_at=when,
        referrer_name="Lægerne i Byen",
        reason="Udredning",
        priority="planlagt",
        rights=["udredningsret"],
        **extra,
    )


def test_task_create_checks_everything_it_names_against_the_units_organisation(
    world, actor, actor_for
):
    outsider = world.member(Role.SECRETARY, unit=world.unit_b).user
    for kwargs, field in (
        ({"assignee": outsider}, "assignee"),
        ({"patient": world.patient_b}, "patient"),
        ({"assignee_role": "wizard"}, "assignee_role"),
        ({"title": "  "}, "title"),
        ({"priority": 7}, "priority"),
    ):
        with pytest.raises(PathwayError) as refused:
            task_create(actor=actor, unit=world.unit_a, **{"title": "Ring", **kwargs})
        assert refused.value.field == field
    with pytest.raises(PathwayError) as refused:
        task_create(actor=actor, title="Ring", unit=world.unit_b)
    assert refused.value.code == PathwayCode.UNIT_NOT_YOURS
    assert not Task.objects.exists()
    task = task_create(
        actor=actor, title=" Ring  til patienten ", unit=world.unit_a, patient=world.patient_a,
        assignee=actor.user, due=date(2025, 12, 19),
    )  # fmt: skip
    assert (task.title, task.source, task.organisation_id) == (
        "Ring til patienten", "manual", world.org_a.pk
    )  # fmt: skip
    assert AccessLogEntry.objects.filter(object_type="task", object_id=task.public_id).exists()


def test_task_create_needs_the_permission(world, actor_for):
    lab = actor_for(world.member(Role.LAB_TECHNICIAN))
    with pytest.raises(PermissionDenied):
        task_create(actor=lab, title="Ring", unit=world.unit_a)


def test_a_booking_goes_on_the_open_pathway_and_meets_tell_the_patient(
    world, actor, doctor_actor, now
):
    clinic = clinic_create(world.unit_a)
    referral = _referral(actor, world)
    referral_visitate(actor=doctor_actor, referral=referral, decision="accept")
    appointment = appointment_book(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(date(2025, 12, 22), 9),
    )
    run_due_tasks()
    pathway = Pathway.objects.get()
    assert PathwayLink.objects.get(pathway=pathway).appointment == appointment
    besked = Deadline.objects.get(rule__code="udredningsret-besked")
    assert besked.state == "met" and besked.met_at is not None
    referral.refresh_from_db()
    assert referral.next_due == date(2026, 1, 17)


def test_changing_an_event_recomputes_the_deadlines(world, actor, doctor_actor, now, clock):
    referral = _referral(actor, world)
    referral_visitate(actor=doctor_actor, referral=referral, decision="accept")
    pathway = Pathway.objects.get()
    marker = pathway_marker_add(
        actor=doctor_actor,
        pathway=pathway,
        code="AFV02K1",
        at=datetime(2025, 12, 18, 9, 30, tzinfo=LOCAL),
    )
    clock.set(datetime(2025, 12, 23, 10, 0, tzinfo=LOCAL))  # paused 5 days so far
    decided = datetime(2025, 12, 23, 9, 0, tzinfo=LOCAL)
    pathway_marker_add(actor=doctor_actor, pathway=pathway, code="AFV01C", at=decided)
    deadline = Deadline.objects.get(rule__code="udredningsret")
    assert deadline.state == "met"  # the decision met it, paused or not
    pathway_marker_remove(actor=doctor_actor, marker=marker)
    deadline.refresh_from_db()
    assert (deadline.due, deadline.paused_days, deadline.state) == (date(2026, 1, 17), 0, "met")
    assert PathwayMarker.objects.filter(removed_at__isnull=False).count() == 1


def test_closing_needs_an_afslutningsmaade_and_ends_the_period(world, actor, doctor_actor, now):
    referral = _referral(actor, world)
    referral_visitate(actor=doctor_actor, referral=referral, decision="accept")
    pathway = Pathway.objects.get()
    with pytest.raises(PathwayError) as refused:
        pathway_close(actor=doctor_actor, pathway=pathway, ended_at=now, end_mode="")
    assert refused.value.field == "end_mode"
    ended = datetime(2025, 12, 18, 9, 45, tzinfo=LOCAL)
    pathway_close(actor=doctor_actor, pathway=pathway, ended_at=ended, end_mode="ALAC70")
    pathway.refresh_from_db()
    assert pathway.end_mode == "ALAC70"
    with pytest.raises(PathwayError) as refused:
        pathway_marker_add(actor=doctor_actor, pathway=pathway, code="AFV01B", at=now)
    assert refused.value.code == PathwayCode.MARKER_OUTSIDE_PERIOD


def test_an_attachment_is_a_record_document_of_the_patient(world, actor, now):
    referral = _referral(actor, world)
    attachment = referral_attach(
        actor=actor, referral=referral, upload=upload("henvisning.pdf", pdf_bytes()), title=""
    )
    assert attachment.document.patient == world.patient_a
    assert attachment.document.title == "henvisning"
    assert referral.events.filter(kind="attachment").exists()


def test_a_referral_gives_the_unit_a_care_relation(world, actor, actor_for, now):
    other_unit = actor_for(world.member(Role.SECRETARY, unit=world.unit_a2))
    assert not has_care_relation(other_unit, world.patient_a)
    _referral(actor, world, unit=world.unit_a2)
    assert has_care_relation(other_unit, world.patient_a)


def test_the_patients_export_holds_referrals_pathways_and_tasks(world, actor, doctor_actor, now):
    from klinik.pathways.patient_parts import PARTS

    referral = _referral(actor, world)
    referral_visitate(actor=doctor_actor, referral=referral, decision="accept")
    rows = {part.key: part.rows(world.patient_a) for part in PARTS}
    assert rows["referrals"][0]["Henviser"] == "Lægerne i Byen"
    assert rows["pathways"] and rows["tasks"]
    assert all(part.rows(world.patient_b) == [] for part in PARTS)
