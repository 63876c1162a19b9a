"""The LPR3 report built from Klinik's data, the error list, the work queue kind, sending
through the transport adapter and the `klinik lpr3` command (issue 18; ADR 0032)."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from klinik.api.tests.helpers import ApiClient
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.errors import DomainError
from klinik.core.services import actor_from_membership
from klinik.core.worklist import WorkQuery
from klinik.pathways.models import Pathway, PathwayLink, PathwayMarker, Referral
from klinik.records.choices import ContactKind, DiagnosisKind
from klinik.records.clinical.services import contact_diagnosis_add, contact_procedure_add
from klinik.records.journal.services import contact_close
from klinik.records.tests.factories import contact_start
from klinik.reporting.lpr3_report.document import reports_build
from klinik.reporting.lpr3_report.models import Lpr3Finding, Lpr3Submission
from klinik.reporting.lpr3_report.services import (
    lpr3_patient_revalidate,
    lpr3_patient_send,
    lpr3_unit_revalidate,
)
from klinik.reporting.lpr3_report.worklist import LPR3_ERROR_KIND
from klinik.scheduling.availability import LOCAL

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=LOCAL)


@pytest.fixture
def lpr(world, clock):
    """Org A's unit reports to LPR (SOR code); Alma has a pathway with a closed contact on
    it (no aktionsdiagnose yet: rule 05.14), an open contact not on it (the implicit element),
    and a contact at another unit where she has no pathway (not reported)."""
    clock.set(NOW - timedelta(days=40))
    world.unit_a.sor_code = "123451000016009"
    world.unit_a.save(update_fields=["sor_code"])
    secretary = world.member(Role.SECRETARY)
    actor = actor_from_membership(secretary)
    patient = world.patient_a
    referral = Referral.objects.create(
        organisation=world.org_a,
        unit=world.unit_a,
        patient=patient,
        received_at=NOW - timedelta(days=41),
        referrer_name="Lægerne i Byen",
        referrer_sor="987651000016001",
        reason="Hoste",
        diagnosis="DJ44",
        priority="planlagt",
        mode="electronic",
        area="somatic",
    )
    pathway = Pathway.objects.create(
        organisation=world.org_a,
        unit=world.unit_a,
        patient=patient,
        referral=referral,
        label="ALAL21",
        started_at=NOW - timedelta(days=40),
    )
    PathwayMarker.objects.create(
        organisation=world.org_a, pathway=pathway, code="AFV01A1", at=NOW - timedelta(days=40)
    )
    linked = contact_start(
        actor, patient, kind=ContactKind.PHYSICAL, started_at=NOW - timedelta(days=40)
    )
    PathwayLink.objects.create(organisation=world.org_a, pathway=pathway, contact=linked)
    contact_diagnosis_add(actor=actor, contact=linked, code="DJ449", kind=DiagnosisKind.SECONDARY)
    contact_procedure_add(actor=actor, contact=linked, code="KJEA01")
    contact_close(actor=actor, contact=linked, ended_at=NOW - timedelta(days=40, hours=-1))
    clock.set(NOW - timedelta(days=2))
    loose = contact_start(actor, patient, kind=ContactKind.PHONE)
    elsewhere = contact_start(actor, patient, kind=ContactKind.PHONE, unit=world.unit_a2)
    clock.set(NOW)
    return {
        "actor": actor,
        "secretary": secretary,
        "patient": patient,
        "pathway": pathway,
        "linked": linked,
        "loose": loose,
        "elsewhere": elsewhere,
    }


def _build(world, lpr):
    return reports_build(
        actor=lpr["actor"], organisation_id=world.org_a.pk, patients=[lpr["patient"]], now=NOW
    )[0]


def test_document_is_built_from_pathways_contacts_and_codes(world, lpr):
    report = _build(world, lpr)
    doc = report.document
    assert doc["patient"] == {"cpr": lpr["patient"].cpr}
    first, implicit = doc["forloebselementer"]
    assert first["id"] == str(lpr["pathway"].public_id)
    assert first["label"] == "ALAL21"
    assert first["ansvarlig"] == "123451000016009"
    assert first["slut"] is None and first["afslutningsmaade"] is None
    assert first["henvisning"]["instans"] == "987651000016001"
    assert first["henvisning"]["aarsag"] == "DJ44"
    assert [m["kode"] for m in first["markoerer"]] == ["AFV01A1"]
    (contact,) = first["kontakter"]
    assert contact["id"] == str(lpr["linked"].public_id)
    assert contact["type"] == "ALCA00"  # physical by default
    assert contact["prioritet"] == "ATA1"  # not booked: acute by default
    assert contact["diagnoser"] == [{"kode": "DJ449", "art": "B"}]
    assert [p["kode"] for p in contact["procedurer"]] == ["KJEA01"]
    # A physical contact without stays stays at its unit for its whole period.
    assert contact["opholdsadresser"] == [
        {"enhed": "123451000016009", "start": contact["start"], "slut": contact["slut"]}
    ]
    # The contact not on the pathway goes under the unit's implicit element; the contact at
    # a unit where she has no pathway is not reported.
    assert implicit["label"] is None
    assert [c["id"] for c in implicit["kontakter"]] == [str(lpr["loose"].public_id)]
    assert implicit["kontakter"][0]["type"] == "ALCA03"
    assert implicit["kontakter"][0]["opholdsadresser"] == []
    reported = {c["id"] for e in doc["forloebselementer"] for c in e["kontakter"]}
    assert str(lpr["elsewhere"].public_id) not in reported
    assert report.where("forloebselementer[0].kontakter[0].diagnoser") == (
        world.unit_a.pk,
        lpr["pathway"].pk,
        lpr["linked"].pk,
    )


def test_api_returns_the_report_logged_and_404_across_organisations(client, world, lpr):
    api = ApiClient(client, lpr["secretary"])
    before = AccessLogEntry.objects.count()
    response = api.get(f"/lpr3/patients/{lpr['patient'].public_id}")
    assert response.status_code == 200
    doc = response.json()
    assert doc["forloebselementer"][0]["id"] == str(lpr["pathway"].public_id)
    assert AccessLogEntry.objects.count() > before
    other = ApiClient(client, world.member(Role.SECRETARY, unit=world.unit_b))
    response = other.get(f"/lpr3/patients/{lpr['patient'].public_id}")
    assert response.status_code == 404
    assert "forloebselementer" not in response.content.decode()


def test_revalidation_lists_the_error_and_fixing_it_removes_it(world, lpr):
    result = lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    finding = Lpr3Finding.objects.get(rule="05.14", fixed_at__isnull=True)
    assert result.found >= 1
    assert finding.contact_id == lpr["linked"].pk
    assert finding.unit_id == world.unit_a.pk
    assert finding.severity == "ERROR"
    # 05.14's deadline counts from the contact's end (ADR 0032).
    lpr["linked"].refresh_from_db()
    ended = lpr["linked"].ended_at
    assert finding.deadline == (ended + timedelta(days=30)).astimezone(LOCAL).date()
    first_seen = finding.first_seen
    # Found again: the same row, first seen unchanged.
    lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    assert Lpr3Finding.objects.get(rule="05.14", fixed_at__isnull=True).first_seen == first_seen
    contact_diagnosis_add(
        actor=lpr["actor"], contact=lpr["linked"], code="DJ449", kind=DiagnosisKind.MAIN
    )
    result = lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    assert result.fixed >= 1
    assert not Lpr3Finding.objects.filter(rule="05.14", fixed_at__isnull=True).exists()
    assert Lpr3Finding.objects.get(rule="05.14").fixed_at == NOW


def test_error_list_shows_cpr_link_and_filters_by_rule(login_as, world, lpr):
    lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    client = login_as(lpr["secretary"])
    page = client.get("/reports/lpr3/").content.decode()
    assert "05.14" in page
    assert lpr["patient"].cpr_display in page
    assert f"#contact-{lpr['linked'].public_id}" in page
    filtered = client.get("/reports/lpr3/", {"rule": "no-such-rule"}).content.decode()
    assert "05.14" not in filtered.split("<tbody>")[1]


def test_error_list_of_another_organisation_shows_nothing(login_as, world, lpr):
    lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    client = login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    page = client.get("/reports/lpr3/", {"unit": "all"}).content.decode()
    assert lpr["patient"].cpr_display not in page
    assert "05.14" not in page
    response = client.post(f"/reports/lpr3/patients/{lpr['patient'].public_id}/revalidate/")
    assert response.status_code == 404


def test_revalidate_button_fixes_the_listed_error(login_as, world, lpr):
    lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    contact_diagnosis_add(
        actor=lpr["actor"], contact=lpr["linked"], code="DJ449", kind=DiagnosisKind.MAIN
    )
    client = login_as(lpr["secretary"])
    response = client.post(
        f"/reports/lpr3/patients/{lpr['patient'].public_id}/revalidate/",
        {"next": "/reports/lpr3/"},
    )
    assert response.status_code == 302 and response["Location"] == "/reports/lpr3/"
    assert "05.14" not in client.get("/reports/lpr3/").content.decode().split("<tbody>")[1]


def test_work_queue_kind_lists_the_units_errors(world, lpr):
    lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    query = WorkQuery(unit_ids=frozenset({world.unit_a.pk}), limit=50)
    items, count = LPR3_ERROR_KIND.read(lpr["actor"], query)  # type: ignore[misc]
    rules = {i.title for i in items}
    assert any("05.14" in t for t in rules)
    assert (
        count
        == len(items)
        == Lpr3Finding.objects.filter(fixed_at__isnull=True, severity="ERROR").count()
    )
    assert all(i.patient_id == lpr["patient"].pk for i in items)
    actor_b = actor_from_membership(world.member(Role.SECRETARY, unit=world.unit_b))
    items_b, _count = LPR3_ERROR_KIND.read(actor_b, query)  # type: ignore[misc]
    assert items_b == []


def test_send_refuses_a_report_with_errors_and_logs_the_export(world, lpr):
    exports = AccessLogEntry.objects.filter(action="export", object_type="lpr3_report")
    with pytest.raises(DomainError) as refused:
        lpr3_patient_send(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    assert refused.value.code == "lpr3_has_errors"
    assert not Lpr3Submission.objects.exists()
    assert exports.filter(patient_id=lpr["patient"].public_id).count() == 1


def test_send_through_the_api_answers_409_with_errors(client, world, lpr):
    api = ApiClient(client, lpr["secretary"])
    response = api.post(f"/lpr3/patients/{lpr['patient'].public_id}/send")
    assert response.status_code == 409
    assert response.json()["code"] == "lpr3_has_errors"


def test_send_versions_the_patients_set(world, lpr, monkeypatch):
    # The rules are h18a's; here only the versioning: a report the rules pass.
    monkeypatch.setattr("klinik.reporting.lpr3_report.services.validate", lambda *a, **k: [])
    first = lpr3_patient_send(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    second = lpr3_patient_send(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    assert (first.version, second.version) == (1, 2)
    assert first.set_id == second.set_id
    assert first.document_id != second.document_id
    assert second.document["patient"]["cpr"] == lpr["patient"].cpr
    assert second.backend == "local"


def test_command_revalidates_the_units_patients(world, lpr):
    out = StringIO()
    call_command("lpr3", "revalidate", stdout=out)
    assert "1 patient(s) validated" in out.getvalue()
    assert Lpr3Finding.objects.filter(rule="05.14", fixed_at__isnull=True).exists()
    # Only patients with a pathway at the unit.
    result = lpr3_unit_revalidate(organisation_id=world.org_a.pk, unit_id=world.unit_a2.pk)
    assert result.patients == 0


def test_unit_revalidation_reads_in_batches(world, lpr, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        lpr3_unit_revalidate(organisation_id=world.org_a.pk, unit_id=world.unit_a.pk)


def test_coding_a_diagnosis_revalidates_the_patient_after_the_commit(
    world, lpr, django_capture_on_commit_callbacks
):
    lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    assert Lpr3Finding.objects.filter(rule="05.14", fixed_at__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        contact_diagnosis_add(
            actor=lpr["actor"], contact=lpr["linked"], code="DJ449", kind=DiagnosisKind.MAIN
        )
    assert not Lpr3Finding.objects.filter(rule="05.14", fixed_at__isnull=True).exists()


def test_pathway_page_offers_afslutningsmaade_from_its_list_and_the_lpr_buttons(
    login_as, world, lpr
):
    client = login_as(lpr["secretary"])
    url = f"/pathways/{lpr['pathway'].public_id}/"
    page = client.get(url).content.decode()
    assert '<option value="ALAC70"' in page
    assert f"/reports/lpr3/patients/{lpr['patient'].public_id}/send/" in page
    response = client.post(
        f"/reports/lpr3/patients/{lpr['patient'].public_id}/send/", {"next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert not Lpr3Submission.objects.exists()  # it has errors: refused, said on the page
    assert "fejl" in client.get(url).content.decode()


def test_the_work_queue_screen_shows_the_error_with_its_link(login_as, world, lpr):
    from django.urls import reverse

    lpr3_patient_revalidate(actor=lpr["actor"], public_id=lpr["patient"].public_id)
    client = login_as(lpr["secretary"])
    page = client.get(reverse("worklist"), {"kind": "lpr3_error"}).content.decode()
    assert "LPR-fejl 05.14" in page
    assert f"#contact-{lpr['linked'].public_id}" in page
