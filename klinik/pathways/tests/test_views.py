"""The referral and pathway screens: register with a patient search (errors at the field,
nothing written), the referral with its deadlines, visitation by a clinician, the pathway with
markers and appointments, the waiting-time overview with its Excel export, the timeline on the
patient page, and 404 for another organisation's referral or pathway with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.pathways.choices import ReferralStatus
from klinik.pathways.models import Pathway, PathwayLink, PathwayMarker, Referral, Task
from klinik.records.choices import ContactKind
from klinik.records.models import Contact

pytestmark = pytest.mark.usefixtures("now")


def login(client, membership):
    from conftest import login as root_login

    return root_login(client, membership)


@pytest.fixture
def desk(client, secretary):
    return login(client, secretary)


@pytest.fixture
def doctor_desk(doctor):
    return login(Client(), doctor)


def _form(world, **extra):
    data = {
        "patient_query": world.patient_a.cpr,
        "received_at": "18.12.2025 09:15",
        "referrer_name": "Lægerne i Byen",
        "referrer_sor": "",
        "referrer_provider_number": "",
        "reason": "Hoste i tre måneder",
        "diagnosis": "DJ44",
        "priority": "planlagt",
        "mode": "paper",
        "area": "somatic",
        "rights": ["udredningsret"],
    }
    data.update(extra)
    return data


def _register(desk, world, **extra):
    return desk.post(f"/referrals/unit/{world.unit_a.public_id}/new/", _form(world, **extra))


def test_a_secretary_registers_a_referral_and_sees_its_deadlines(desk, world):
    response = _register(desk, world)
    assert response.status_code == 302, response.content.decode()[:2000]
    referral = Referral.objects.get()
    assert response["Location"] == f"/referrals/{referral.public_id}/"
    page = desk.get(response["Location"]).content.decode()
    assert "02.01.2026" in page and "17.01.2026" in page  # besked and udredningsret
    assert "Giv patienten besked om dato og sted for udredning" in page
    assert 'id="visitation-form"' not in page  # a secretary does not visitate


def test_registration_errors_are_shown_at_the_field_and_nothing_is_written(desk, world):
    response = _register(desk, world, received_at="24.12.2025 10:00", diagnosis="DX9999")
    assert response.status_code == 422
    assert not Referral.objects.exists() and not Task.objects.exists()
    response = _register(desk, world, diagnosis="DX9999")
    assert response.status_code == 422
    assert "DX9999" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_list_shows_referrals_waiting_and_logs_the_list(desk, world):
    _register(desk, world)
    before = AccessLogEntry.objects.filter(object_type="referral_list").count()
    page = desk.get(f"/referrals/unit/{world.unit_a.public_id}/").content.decode()
    assert world.patient_a.name in page and world.patient_a.cpr_display in page
    assert AccessLogEntry.objects.filter(object_type="referral_list").count() == before + 1


def test_a_doctor_accepts_and_the_pathway_page_sets_a_pause_marker(desk, doctor_desk, world):
    _register(desk, world)
    referral = Referral.objects.get()
    response = doctor_desk.post(
        f"/referrals/{referral.public_id}/visitation/", {"decision": "accept", "reason": ""}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    pathway = Pathway.objects.get()
    url = f"/pathways/{pathway.public_id}/"
    page = doctor_desk.get(url).content.decode()
    assert "Henvisning modtaget" in page
    response = doctor_desk.post(f"{url}markers/", {"code": "AFV02K1", "at": "18.12.2025 09:30"})
    assert response.status_code == 302
    assert PathwayMarker.objects.get().code == "AFV02K1"
    page = doctor_desk.get(url).content.decode()
    assert 'data-deadline-status="paused"' in page


def test_the_doctor_chooses_the_pathway_label_at_visitation(desk, doctor_desk, world):
    _register(desk, world)
    referral = Referral.objects.get()
    page = doctor_desk.get(f"/referrals/{referral.public_id}/").content.decode()
    assert 'value="ALAL02"' in page and "Hjertesygdomme" in page
    bad = doctor_desk.post(
        f"/referrals/{referral.public_id}/visitation/", {"decision": "accept", "label": "DJ44"}
    )
    assert bad.status_code == 422 and not Pathway.objects.exists()
    response = doctor_desk.post(
        f"/referrals/{referral.public_id}/visitation/", {"decision": "accept", "label": "ALAL02"}
    )
    assert response.status_code == 302
    assert Pathway.objects.get().label == "ALAL02"


def test_a_marker_before_the_pathway_is_refused_at_the_field(desk, doctor_desk, world):
    _register(desk, world)
    referral = Referral.objects.get()
    doctor_desk.post(f"/referrals/{referral.public_id}/visitation/", {"decision": "accept"})
    pathway = Pathway.objects.get()
    response = doctor_desk.post(
        f"/pathways/{pathway.public_id}/markers/", {"code": "AFV01B", "at": "17.12.2025 09:30"}
    )
    assert response.status_code == 422
    assert "inden for forløbets periode" in response.content.decode() or (
        "within the pathway" in response.content.decode()
    )
    assert not PathwayMarker.objects.exists()


def test_a_contact_is_put_on_the_pathway_from_its_page(desk, doctor_desk, world):
    _register(desk, world)
    referral = Referral.objects.get()
    doctor_desk.post(f"/referrals/{referral.public_id}/visitation/", {"decision": "accept"})
    pathway = Pathway.objects.get()
    visit = Contact.objects.create(
        organisation=world.org_a,
        unit=world.unit_a,
        patient=world.patient_a,
        kind=ContactKind.PHYSICAL,
        started_at=pathway.started_at + timedelta(hours=1),
    )
    foreign = Contact.objects.create(
        organisation=world.org_b,
        unit=world.unit_b,
        patient=world.patient_b,
        kind=ContactKind.PHYSICAL,
        started_at=pathway.started_at + timedelta(hours=1),
    )
    url = f"/pathways/{pathway.public_id}/"
    page = doctor_desk.get(url).content.decode()
    assert f'data-contact="{visit.public_id}"' in page
    assert f'data-contact="{foreign.public_id}"' not in page
    # Another organisation's contact is not found: nothing is linked.
    doctor_desk.post(f"{url}link/", {"contact": str(foreign.public_id)})
    assert not PathwayLink.objects.exists()
    response = doctor_desk.post(f"{url}link/", {"contact": str(visit.public_id)})
    assert response.status_code == 302
    assert PathwayLink.objects.get().contact == visit
    page = doctor_desk.get(url).content.decode()
    assert "Kontakt" in page  # on the timeline
    on_page = page[page.index(f'data-contact="{visit.public_id}"') :]
    assert "på forløbet" in on_page[: on_page.index("</li>")]


def test_the_patient_page_shows_the_pathway_timeline(desk, doctor_desk, world):
    _register(desk, world)
    referral = Referral.objects.get()
    doctor_desk.post(f"/referrals/{referral.public_id}/visitation/", {"decision": "accept"})
    page = desk.get(f"/patients/{world.patient_a.public_id}/").content.decode()
    assert 'id="patient-pathways"' in page and "Henvisning modtaget" in page


def test_waiting_overview_and_excel_export(desk, world):
    _register(desk, world)
    url = f"/referrals/unit/{world.unit_a.public_id}/waiting/"
    page = desk.get(url).content.decode()
    assert world.patient_a.name in page and 'id="waiting-chart"' in page
    # The warning setting is in the page's body, not in its <title>.
    title = page[page.index("<title>") : page.index("</title>")]
    assert "warning-title" not in title and 'id="warning-days"' in page
    response = desk.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    rows = list(book["Ventende"].iter_rows(values_only=True))
    assert rows[1][0] == world.patient_a.name
    assert AccessLogEntry.objects.filter(object_type="waiting_overview", action="export").exists()


def test_another_organisation_gets_404_and_changes_nothing(desk, doctor_desk, world):
    _register(desk, world)
    referral = Referral.objects.get()
    doctor_desk.post(f"/referrals/{referral.public_id}/visitation/", {"decision": "accept"})
    pathway = Pathway.objects.get()
    other = login(Client(), world.member(Role.DOCTOR, unit=world.unit_b))
    for url in (
        f"/referrals/{referral.public_id}/",
        f"/pathways/{pathway.public_id}/",
        f"/referrals/unit/{world.unit_a.public_id}/",
        f"/referrals/unit/{world.unit_a.public_id}/waiting/",
    ):
        assert other.get(url).status_code == 404, url
    response = other.post(
        f"/pathways/{pathway.public_id}/markers/", {"code": "AFV01B", "at": "18.12.2025 09:30"}
    )
    assert response.status_code == 404
    assert not PathwayMarker.objects.exists()


def test_a_manager_sets_the_warning_for_the_unit_and_the_queue_follows(desk, world, client):
    from klinik.pathways.setup import warning_days_for

    url = f"/referrals/unit/{world.unit_a.public_id}/waiting/"
    page = desk.get(url).content.decode()
    assert 'id="warning-form"' not in page  # a secretary sees it, does not set it
    assert desk.post(f"{url}warning/", {"warning_working_days": "5"}).status_code == 403
    manager = login(Client(), world.member(Role.MANAGER))
    response = manager.post(f"{url}warning/", {"warning_working_days": "31"})
    assert response.status_code == 422 and warning_days_for(world.unit_a) == (3, "default")
    response = manager.post(f"{url}warning/", {"warning_working_days": "5"})
    assert response.status_code == 302
    assert warning_days_for(world.unit_a) == (5, "unit")
    assert warning_days_for(world.unit_a2) == (3, "default")
    manager.post(f"{url}warning/", {"warning_working_days": "4", "for_organisation": "on"})
    assert warning_days_for(world.unit_a2) == (4, "organisation")
    assert (
        AccessLogEntry.objects.filter(action="setup_change", object_type="pathway_settings").count()
        == 2
    )


def test_a_manager_makes_a_pakkeforloeb_template_and_a_doctor_starts_a_pathway_from_it(
    desk, doctor_desk, world
):
    from klinik.pathways.models import PathwayTemplate

    manager = login(Client(), world.member(Role.MANAGER))
    assert desk.get("/referrals/templates/").status_code == 403
    bad = {"code": "lunge", "title": "Lungekræft", "label": "ALAL01", "steps": "seks; CT"}
    assert manager.post("/referrals/templates/new/", bad).status_code == 422
    bad["steps"] = "6; CT-skanning; AFV99"
    assert manager.post("/referrals/templates/new/", bad).status_code == 422
    assert not PathwayTemplate.objects.exists()
    good = {**bad, "steps": "17; MDT-konference; AFV01C\n6; CT-skanning; AFV01B", "is_active": "on"}
    assert manager.post("/referrals/templates/new/", good).status_code == 302
    template = PathwayTemplate.objects.get()
    assert [s.title for s in template.steps.order_by("position")] == [
        "CT-skanning",
        "MDT-konference",
    ]
    assert "CT-skanning" in manager.get("/referrals/templates/").content.decode()
    assert AccessLogEntry.objects.filter(object_type="pathway_template").count() == 1

    _register(desk, world)
    referral = Referral.objects.get()
    doctor_desk.post(
        f"/referrals/{referral.public_id}/visitation/",
        {"decision": "accept", "template": str(template.public_id)},
    )
    pathway = Pathway.objects.get()
    assert pathway.label == "ALAL01" and pathway.steps.count() == 2
    # Setting the step's marker marks it done.
    doctor_desk.post(
        f"/pathways/{pathway.public_id}/markers/", {"code": "AFV01B", "at": "18.12.2025 09:40"}
    )
    assert pathway.steps.get(marker="AFV01B").done_at is not None


def test_a_referral_with_its_scanned_letter_is_one_write(desk, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from klinik.pathways.models import ReferralAttachment
    from klinik.records.tests.document_files import pdf_bytes

    settings.DATA_DIR = tmp_path
    fake = SimpleUploadedFile("brev.pdf", b"not a pdf at all", content_type="application/pdf")
    response = _register(desk, world, attachment=fake)
    assert response.status_code == 422
    assert not Referral.objects.exists() and not Task.objects.exists()
    letter = SimpleUploadedFile("brev.pdf", pdf_bytes(), content_type="application/pdf")
    response = _register(desk, world, attachment=letter)
    assert response.status_code == 302
    attachment = ReferralAttachment.objects.get()
    assert attachment.referral == Referral.objects.get()
    page = desk.get(response["Location"]).content.decode()
    assert f"/documents/{attachment.document.public_id}/content/" in page


def test_a_health_service_secretary_registers_without_the_letter_field(world, client):
    hs = login(client, world.member(Role.HEALTH_SERVICE_SECRETARY))
    page = hs.get(f"/referrals/unit/{world.unit_a.public_id}/new/").content.decode()
    assert 'name="referrer_name"' in page and 'name="attachment"' not in page
