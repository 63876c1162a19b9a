"""The clinical tabs: coding, measurements, vaccinations and the DDV export page (permissions,
404 across organisations, access log, form errors at the field, htmx sections)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.records.choices import DiagnosisKind, WarningKind
from klinik.records.clinical import ddv, plausibility, selectors, services
from klinik.records.models import ContactDiagnosis, Measurement, PatientWarning, Vaccination
from klinik.records.tests.clinical_fixtures import MAIN_CODE, SECOND_CODE, contact_for

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def contact(record_world):
    return contact_for(record_world.doctor_actor, record_world.patient)


def _url(name, *args):
    return reverse(name, args=args)


def _logged(patient, object_type):
    return AccessLogEntry.objects.filter(patient_id=patient.public_id, object_type=object_type)


# Reading the tabs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "object_type"),
    [
        ("record_coding", "coding"),
        ("record_measurements", "measurements"),
        ("record_vaccinations", "vaccinations"),
    ],
)
def test_tabs_open_for_a_clinician_and_are_logged(
    record_world, login_as, name, object_type, contact
):
    client = login_as(record_world.doctor)
    before = _logged(record_world.patient, object_type).count()
    response = client.get(_url(name, record_world.patient.public_id))
    assert response.status_code == 200
    assert record_world.patient.name in response.content.decode()
    assert _logged(record_world.patient, object_type).count() == before + 1


@pytest.mark.parametrize("name", ["record_coding", "record_measurements", "record_vaccinations"])
def test_tabs_of_another_organisations_patient_are_not_found(record_world, login_as, name):
    client = login_as(record_world.doctor)
    response = client.get(_url(name, record_world.other_patient.public_id))
    assert response.status_code == 404
    assert record_world.other_patient.family_name not in response.content.decode()
    assert not _logged(record_world.other_patient, "coding").exists()


@pytest.mark.parametrize("name", ["record_coding", "record_measurements", "record_vaccinations"])
def test_tabs_need_record_access(record_world, login_as, name):
    client = login_as(record_world.world.member(Role.HEALTH_SERVICE_SECRETARY))
    response = client.get(_url(name, record_world.patient.public_id))
    assert response.status_code == 403
    assert record_world.patient.family_name not in response.content.decode()


def test_tab_outside_the_care_relation_asks_to_break_the_glass(record_world, login_as):
    client = login_as(record_world.doctor)
    response = client.get(_url("record_coding", record_world.patient2.public_id))
    assert response.status_code == 403
    assert "reason" in response.content.decode()
    assert record_world.patient2.family_name not in response.content.decode()


def test_warnings_show_in_the_record_header_and_on_the_patient_page(record_world, login_as):
    rw = record_world
    services.warning_add(
        actor=rw.doctor_actor, patient=rw.patient, kind=WarningKind.CAVE, text="penicillin"
    )
    client = login_as(rw.secretary)
    for url in (
        _url("record_coding", rw.patient.public_id),
        _url("record_measurements", rw.patient.public_id),
        reverse("patient_detail", args=[rw.patient.public_id]),
    ):
        body = client.get(url).content.decode()
        assert 'class="flag cave"' in body, url
        assert "penicillin" in body


def test_reception_without_record_access_sees_no_warnings_on_the_patient_page(
    record_world, login_as
):
    rw = record_world
    services.warning_add(
        actor=rw.doctor_actor, patient=rw.patient, kind=WarningKind.CAVE, text="penicillin"
    )
    client = login_as(rw.world.member(Role.HEALTH_SERVICE_SECRETARY))
    body = client.get(reverse("patient_detail", args=[rw.patient.public_id])).content.decode()
    assert "penicillin" not in body


# Coding ------------------------------------------------------------------------------------------


def test_code_search_lists_codes_for_words_with_a_typo(record_world, login_as):
    client = login_as(record_world.secretary)
    response = client.post(
        _url("record_code_search", "diagnosis"), {"code": "luftvejsinfektoin"}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-code="{MAIN_CODE}"' in body
    assert 'role="option"' in body
    assert client.post(_url("record_code_search", "nonsense"), {"code": "x"}).status_code == 404


def test_code_search_is_post_only(record_world, login_as):
    client = login_as(record_world.secretary)
    assert client.get(_url("record_code_search", "diagnosis")).status_code == 405


def test_code_search_needs_record_write(record_world, login_as):
    reception = login_as(record_world.world.member(Role.HEALTH_SERVICE_SECRETARY))
    response = reception.post(_url("record_code_search", "diagnosis"), {"code": "luftvej"})
    assert response.status_code == 403


def test_diagnosis_added_through_htmx_returns_the_contact_card(record_world, login_as, contact):
    client = login_as(record_world.secretary)
    response = client.post(
        _url("record_diagnosis_add", contact.public_id),
        {"code": MAIN_CODE, "kind": "main"},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="contact-{contact.public_id}"' in body
    assert "Akut øvre luftvejsinfektion UNS" in body
    assert ContactDiagnosis.objects.filter(contact=contact, code=MAIN_CODE).exists()


def test_unknown_code_shows_at_the_field_and_nothing_is_saved(record_world, login_as, contact):
    client = login_as(record_world.secretary)
    response = client.post(
        _url("record_diagnosis_add", contact.public_id),
        {"code": "DX999", "kind": "main"},
        **HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "DX999" in body
    assert str(services.UNKNOWN_CODE % {"code": "DX999"}) in body
    assert 'aria-invalid="true"' in body
    assert not ContactDiagnosis.objects.exists()


def test_second_main_diagnosis_asks_to_confirm_the_replacement(record_world, login_as, contact):
    rw = record_world
    services.contact_diagnosis_add(
        actor=rw.doctor_actor, contact=contact, code=MAIN_CODE, kind=DiagnosisKind.MAIN
    )
    client = login_as(rw.secretary)
    url = _url("record_diagnosis_add", contact.public_id)
    response = client.post(url, {"code": SECOND_CODE, "kind": "main"}, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'name="replace_main"' in body
    assert 'class="confirm-replace"' in body
    response = client.post(url, {"code": SECOND_CODE, "kind": "main", "replace_main": "on"}, **HTMX)
    assert response.status_code == 200
    active = dict(
        ContactDiagnosis.objects.filter(contact=contact, removed_at__isnull=True).values_list(
            "code", "kind"
        )
    )
    assert active == {SECOND_CODE: "main", MAIN_CODE: "secondary"}


def test_plain_form_post_redirects_back_to_the_tab(record_world, login_as, contact):
    client = login_as(record_world.secretary)
    response = client.post(
        _url("record_diagnosis_add", contact.public_id), {"code": MAIN_CODE, "kind": "main"}
    )
    assert response.status_code == 302
    assert response["Location"] == _url("record_coding", record_world.patient.public_id)


def test_diagnosis_removed_through_the_page(record_world, login_as, contact):
    services.contact_diagnosis_add(
        actor=record_world.doctor_actor, contact=contact, code=MAIN_CODE, kind="main"
    )
    client = login_as(record_world.secretary)
    response = client.post(
        _url("record_diagnosis_remove", contact.public_id), {"code": MAIN_CODE}, **HTMX
    )
    assert response.status_code == 200
    row = ContactDiagnosis.objects.get(contact=contact)
    assert row.removed_by == record_world.secretary.user


def test_coding_a_contact_of_another_organisation_is_not_found(record_world, login_as):
    rw = record_world
    foreign = contact_for(rw.other_doctor_actor, rw.other_patient)
    client = login_as(rw.doctor)
    response = client.post(
        _url("record_diagnosis_add", foreign.public_id), {"code": MAIN_CODE, "kind": "main"}
    )
    assert response.status_code == 404
    assert not ContactDiagnosis.objects.exists()
    assert not _logged(rw.other_patient, "diagnosis").exists()


def test_coding_needs_record_write(record_world, login_as, contact):
    client = login_as(record_world.world.member(Role.MANAGER))
    response = client.post(
        _url("record_diagnosis_add", contact.public_id), {"code": MAIN_CODE, "kind": "main"}
    )
    assert response.status_code == 403
    assert not ContactDiagnosis.objects.exists()


def test_procedure_added_and_removed(record_world, login_as, contact):
    client = login_as(record_world.nurse)
    response = client.post(
        _url("record_procedure_add", contact.public_id), {"code": "UXRC00"}, **HTMX
    )
    assert response.status_code == 200
    procedure = contact.procedures.get()
    response = client.post(
        _url("record_procedure_remove", contact.public_id),
        {"procedure": procedure.pk},
        **HTMX,
    )
    assert response.status_code == 200
    procedure.refresh_from_db()
    assert procedure.removed_at is not None


def test_problem_added_resolved_and_reopened(record_world, login_as):
    rw = record_world
    client = login_as(rw.doctor)
    response = client.post(
        _url("record_problem_add", rw.patient.public_id),
        {"code": "DE119", "text": "", "onset": "2020-03-01"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Type 2-diabetes uden komplikationer" in response.content.decode()
    problem = rw.patient and selectors.patient_problems(patient=rw.patient)[0]
    response = client.post(_url("record_problem_status", problem.public_id, "resolve"), {}, **HTMX)
    assert response.status_code == 200
    problem.refresh_from_db()
    assert problem.status == "resolved"
    client.post(_url("record_problem_status", problem.public_id, "reopen"), {}, **HTMX)
    problem.refresh_from_db()
    assert problem.status == "active"
    assert (
        client.post(_url("record_problem_status", problem.public_id, "delete")).status_code == 404
    )


def test_empty_problem_is_refused_at_the_field(record_world, login_as):
    client = login_as(record_world.doctor)
    response = client.post(
        _url("record_problem_add", record_world.patient.public_id),
        {"code": "", "text": ""},
        **HTMX,
    )
    assert response.status_code == 422
    assert str(services.PROBLEM_TEXT_REQUIRED) in response.content.decode()


def test_warning_added_and_inactivated_through_the_page(record_world, login_as):
    rw = record_world
    client = login_as(rw.secretary)
    response = client.post(
        _url("record_warning_add", rw.patient.public_id),
        {"kind": "cave", "text": "penicillin", "severity": "high", "code": "", "note": ""},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "patient-changed"
    warning = PatientWarning.objects.get()
    url = _url("record_warning_inactivate", warning.public_id)
    response = client.post(url, {"reason": ""}, **HTMX)
    assert response.status_code == 422
    assert str(services.REASON_REQUIRED) in response.content.decode()
    warning.refresh_from_db()
    assert warning.is_active
    response = client.post(url, {"reason": "Fejlregistreret"}, **HTMX)
    assert response.status_code == 200
    warning.refresh_from_db()
    assert not warning.is_active


def test_inactivating_another_organisations_warning_is_not_found(record_world, login_as):
    rw = record_world
    warning = services.warning_add(
        actor=rw.other_doctor_actor, patient=rw.other_patient, kind="cave", text="jod"
    )
    client = login_as(rw.doctor)
    response = client.post(_url("record_warning_inactivate", warning.public_id), {"reason": "x"})
    assert response.status_code == 404
    warning.refresh_from_db()
    assert warning.is_active


# Measurements ------------------------------------------------------------------------------------


def test_measurement_saved_and_chart_drawn(record_world, login_as):
    rw = record_world
    client = login_as(rw.nurse)
    url = _url("record_measurements", rw.patient.public_id)
    client.post(url, {"kind": "height", "value": "180"}, **HTMX)
    response = client.post(url, {"kind": "weight", "value": "81"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="measurements-section"' in body
    assert "<svg" in body
    assert "<polyline" in body
    # SVG coordinates are never localised (a Danish decimal comma breaks the drawing).
    assert re.search(r'<circle class="dot line-1" cx="[0-9.]+" cy="[0-9.]+"', body)
    assert not re.search(r' (cx|cy|x|y|x1|y1|x2|y2)="[0-9]*,', body)
    assert 'id="latest-bmi">25,0<' in body or 'id="latest-bmi">25.0<' in body
    assert Measurement.objects.filter(patient=rw.patient).count() == 2


def test_weight_of_900_kg_is_refused_at_the_field(record_world, login_as):
    rw = record_world
    client = login_as(rw.nurse)
    response = client.post(
        _url("record_measurements", rw.patient.public_id),
        {"kind": "weight", "value": "900"},
        **HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "350" in body
    assert 'aria-invalid="true"' in body
    assert not Measurement.objects.exists()


def test_diastolic_above_systolic_is_refused_on_the_page(record_world, login_as):
    client = login_as(record_world.nurse)
    response = client.post(
        _url("record_measurements", record_world.patient.public_id),
        {"kind": "blood_pressure", "value": "80", "value2": "120"},
    )
    assert response.status_code == 422
    assert str(plausibility.DIASTOLIC_NOT_BELOW) in response.content.decode()
    assert not Measurement.objects.exists()


def test_measurement_marked_in_error(record_world, login_as):
    rw = record_world
    row = services.measurement_record(
        actor=rw.nurse_actor, patient=rw.patient, kind="pulse", value=72
    )
    client = login_as(rw.doctor)
    url = _url("record_measurement_error", row.public_id)
    assert client.post(url, {"reason": ""}, **HTMX).status_code == 422
    assert client.post(url, {"reason": "Forkert patient"}, **HTMX).status_code == 200
    row.refresh_from_db()
    assert row.error_reason == "Forkert patient"


def test_measuring_needs_record_write(record_world, login_as):
    client = login_as(record_world.world.member(Role.MANAGER))
    response = client.post(
        _url("record_measurements", record_world.patient.public_id),
        {"kind": "pulse", "value": "70"},
    )
    assert response.status_code == 403
    assert not Measurement.objects.exists()


# Vaccinations ------------------------------------------------------------------------------------


def _vaccination_post(rw, **overrides):
    data = {
        "vaccine": "Influvac Tetra",
        "atc_code": "J07BB02",
        "batch_number": "AB1234",
        "dose": "0,5 ml",
        "site": "left_deltoid",
        "given_on": timezone.localdate().isoformat(),
        "given_by": str(rw.nurse.user.public_id),
    }
    data.update(overrides)
    return data


def test_vaccination_recorded(record_world, login_as):
    rw = record_world
    client = login_as(rw.nurse)
    response = client.post(
        _url("record_vaccinations", rw.patient.public_id), _vaccination_post(rw), **HTMX
    )
    assert response.status_code == 200
    assert "AB1234" in response.content.decode()
    row = Vaccination.objects.get()
    assert row.given_by == rw.nurse.user
    assert row.recorded_by == rw.nurse.user


def test_vaccination_without_batch_number_is_refused_at_the_field(record_world, login_as):
    rw = record_world
    client = login_as(rw.nurse)
    response = client.post(
        _url("record_vaccinations", rw.patient.public_id),
        _vaccination_post(rw, batch_number=""),
        **HTMX,
    )
    assert response.status_code == 422
    assert str(services.BATCH_REQUIRED) in response.content.decode()
    assert not Vaccination.objects.exists()


def test_vaccination_given_in_the_future_is_refused(record_world, login_as):
    rw = record_world
    client = login_as(rw.nurse)
    response = client.post(
        _url("record_vaccinations", rw.patient.public_id),
        _vaccination_post(rw, given_on="2999-01-01"),
    )
    assert response.status_code == 422
    assert not Vaccination.objects.exists()


# The DDV export page -----------------------------------------------------------------------------


def test_manager_exports_and_downloads_the_batch(record_world, login_as):
    rw = record_world
    services.vaccination_record(
        actor=rw.nurse_actor,
        patient=rw.patient,
        vaccine="Influvac Tetra",
        batch_number="AB1234",
        dose="0,5 ml",
        site="left_deltoid",
        given_on=timezone.localdate(),
        given_by=rw.nurse.user,
    )
    manager = rw.world.member(Role.MANAGER)
    client = login_as(manager)
    page = client.get(reverse("vaccination_reports"))
    assert page.status_code == 200
    assert 'id="unreported-count">1<' in page.content.decode()
    response = client.post(reverse("vaccination_reports"))
    assert response.status_code == 302
    row = Vaccination.objects.get()
    assert row.report_batch is not None
    page = client.get(response["Location"]).content.decode()
    assert 'id="unreported-count">0<' in page
    json_url = reverse("vaccination_report_download", args=[row.report_batch, "json"])
    assert json_url in page
    download = client.get(json_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert rw.patient.cpr in download.content.decode()
    csv = client.get(reverse("vaccination_report_download", args=[row.report_batch, "csv"]))
    assert csv.status_code == 200
    assert "AB1234" in csv.content.decode()
    # Exporting and each download are in the patient's access log.
    assert _logged(rw.patient, "ddv_report").count() == 3


def test_export_page_needs_the_export_permission(record_world, login_as):
    client = login_as(record_world.nurse)
    assert client.get(reverse("vaccination_reports")).status_code == 403
    assert client.post(reverse("vaccination_reports")).status_code == 403


def test_batch_of_another_organisation_is_not_found(record_world, login_as):
    rw = record_world
    services.vaccination_record(
        actor=rw.other_doctor_actor,
        patient=rw.other_patient,
        vaccine="Boostrix",
        batch_number="Z1",
        dose="0,5 ml",
        site="left_deltoid",
        given_on=timezone.localdate(),
        given_by=rw.other_doctor.user,
    )
    other_manager = rw.world.member(Role.MANAGER, unit=rw.world.unit_b)
    export = ddv.vaccinations_export_ddv(
        actor=rw.actor(other_manager), organisation=rw.other_organisation
    )
    client = login_as(rw.secretary)
    response = client.get(reverse("vaccination_report_download", args=[export.batch, "json"]))
    assert response.status_code == 404
    assert rw.other_patient.cpr not in response.content.decode()
