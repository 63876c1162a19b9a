from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from klinik.audit.selectors import access_log_verify
from klinik.billing.models import Fee, FeeRate, Invoice, Payment, PriceItem
from klinik.core.models import Community, Membership, Organisation, Unit, User
from klinik.correspondence.models import (
    CareMessage,
    Certificate,
    Letter,
    LetterTemplate,
    Partner,
    PatientMessage,
    Renewal,
)
from klinik.demo.clinic import DEMO_PASSWORD
from klinik.pathways.models import Deadline, Pathway, Referral, Task
from klinik.patients.models import Patient
from klinik.purchasing.models import Lot
from klinik.reporting.models import DrgImport, DrgValue
from klinik.scheduling.models import Appointment, AppointmentType, Resource
from klinik.staff.models import Delegation, PersonCompetence, Training

ORGS = {"laegehuset", "fysio-nord", "kiro-nord", "akupunktur-nord", "medicinsk-ambulatorium"}
USERS = {
    "sekretaer",
    "laege",
    "sygeplejerske",
    "elev",
    "klinikchef",
    "receptionist",
    "fysioterapeut",
    "hospitalssekretaer",
    "admin",
}


def test_the_demo_clinic_is_complete_usable_and_loads_once(db):
    """One load of the whole demo (it is the slowest fixture of the suite), then everything
    a new user meets: the clinics, the people, the schedules, the secretary's dashboard, the
    hospital's referrals and pathways; a second run adds nothing and `--if-empty` leaves a
    used installation alone."""
    call_command("demo", stdout=StringIO())
    _complete()
    _schedules_for_every_unit()
    _sekretaer_logs_in_and_sees_the_dashboard()
    _referrals_in_each_state_a_cancer_pathway_and_tasks()
    _therapy_clinics_invoice()
    _gp_fees_approved_settled_and_rejected()
    _gp_vaccines_in_stock_by_lot()
    _medcom_messages_sent_received_and_waiting()
    _staff_competences()
    _renewals_certificates_and_patient_messages()
    _lpr3_errors_of_several_rules()

    def counts() -> tuple[int, ...]:
        models = (User, Membership, Patient, Referral, Task, Invoice, Fee, FeeRate, Lot)
        models += (CareMessage, Partner, Letter)
        models += (PersonCompetence, Delegation, Training)
        models += (Renewal, Certificate, PatientMessage)
        models += (DrgImport,)
        return tuple(m.objects.count() for m in models)

    before = counts()
    call_command("demo", stdout=StringIO())
    assert counts() == before

    Organisation.objects.filter(slug="laegehuset").update(name="Omdøbt")
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert counts() == before
    assert Organisation.objects.get(slug="laegehuset").name == "Omdøbt"
    assert "sekretaer" in out.getvalue()
    assert access_log_verify().is_intact


def _renewals_certificates_and_patient_messages() -> None:
    gp = {"organisation__slug": "laegehuset"}
    renewals = set(Renewal.objects.filter(**gp).values_list("status", "source"))
    assert renewals == {
        ("requested", "phone"),
        ("prepared", "self_service"),
        ("approved", "phone"),
    }
    certificates = Certificate.objects.filter(**gp)
    assert set(certificates.values_list("status", "is_to_invoice")) == {
        ("requested", False),
        ("sent", True),
    }
    assert set(PatientMessage.objects.filter(**gp).values_list("status", flat=True)) == {
        "new",
        "triaged",
    }


def _medcom_messages_sent_received_and_waiting() -> None:
    for slug in ("laegehuset", "medicinsk-ambulatorium"):
        rows = CareMessage.objects.filter(organisation__slug=slug, kind="care")
        statuses = set(rows.values_list("status", flat=True))
        assert statuses == {"acknowledged", "received", "unmatched"}, (slug, statuses)
        assert Partner.objects.filter(organisation__slug=slug, kind="own").count() == 1
    assert Letter.objects.filter(status="sent", channel="digital_post").count() == 1
    assert LetterTemplate.objects.filter(unit__organisation__slug="laegehuset").count() == 4


def _complete() -> None:
    assert set(Organisation.objects.values_list("slug", flat=True)) == ORGS
    community = Community.objects.get(slug="sundhedshuset")
    assert set(community.organisations.values_list("slug", flat=True)) == {
        "fysio-nord",
        "kiro-nord",
        "akupunktur-nord",
    }
    assert set(User.objects.values_list("username", flat=True)) >= USERS
    gp = Membership.objects.filter(organisation__slug="laegehuset", is_active=True)
    assert gp.filter(role="doctor").count() == 3
    assert gp.filter(role="secretary").count() == 2
    assert Membership.objects.get(user__username="receptionist").community == community
    # The GP books online at /book/laegehuset/; every unit has a number to call.
    assert Unit.objects.get(organisation__slug="laegehuset").slug == "laegehuset"
    assert not Unit.objects.filter(phone="").exists()
    assert access_log_verify().is_intact


def _sekretaer_logs_in_and_sees_the_dashboard() -> None:
    client = Client()
    response = client.post("/login/", {"username": "sekretaer", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert "Lægehuset Åboulevarden" in page.content.decode()


def _schedules_for_every_unit() -> None:
    for unit_name in (
        "Lægehuset",
        "Fysioterapi",
        "Kiropraktik",
        "Akupunktur",
        "Endokrinologisk ambulatorium",
    ):
        assert Resource.objects.filter(unit__name=unit_name).exists(), unit_name
        assert AppointmentType.objects.filter(unit__name=unit_name).exists(), unit_name
        assert Appointment.objects.filter(unit__name=unit_name).count() > 50, unit_name
    assert AppointmentType.objects.filter(bookable_online=True).exists()
    assert Resource.objects.get(user__username="laege").kind == "practitioner"


def _referrals_in_each_state_a_cancer_pathway_and_tasks() -> None:
    referrals = Referral.objects.filter(organisation__slug="medicinsk-ambulatorium")
    assert set(referrals.values_list("status", flat=True)) == {"received", "accepted", "rejected"}
    assert referrals.filter(events__kind="redirected").exists()
    assert Pathway.objects.filter(template__code="pakke-lungekraeft", steps__isnull=False).exists()
    today = timezone.localdate()
    assert Deadline.objects.filter(state="open", due__lt=today).exists()  # breached
    assert Deadline.objects.filter(state="open", is_paused=True).exists()
    assert Task.objects.filter(assignee__username="hospitalssekretaer").exists()
    # A month of DRG values imported for the department's contacts and pathways.
    drg = DrgValue.objects.filter(organisation__slug="medicinsk-ambulatorium")
    assert drg.filter(contact__isnull=False).exists() and drg.filter(pathway__isnull=False).exists()


def _lpr3_errors_of_several_rules() -> None:
    """The hospital secretary's error list has errors of different rules (issue 18)."""
    from klinik.reporting.models import Lpr3Finding

    rules = set(
        Lpr3Finding.objects.filter(
            organisation__slug="medicinsk-ambulatorium", fixed_at__isnull=True
        ).values_list("rule", flat=True)
    )
    assert {"05.14", "05.15", "5104", "05.31"} <= rules, rules
    client = Client()
    client.post("/login/", {"username": "hospitalssekretaer", "password": DEMO_PASSWORD})
    assert 'data-rule="05.15"' in client.get("/reports/lpr3/").content.decode()


def _staff_competences() -> None:
    """The clinic manager sees the secretary's levels; the catalogue is there."""
    client = Client()
    client.post("/login/", {"username": "klinikchef", "password": DEMO_PASSWORD})
    secretary = Membership.objects.get(user__username="sekretaer", organisation__slug="laegehuset")
    page = client.get(f"/staff/{secretary.public_id}/competences/").content.decode()
    assert "AMU 48664 Forløbskoordinering" in page
    assert 'data-course="45583" data-status="planned"' in page
    matrix = client.get("/staff/matrix/").content.decode()
    assert 'id="matrix-sekretaer"' in matrix and 'id="matrix-elev"' in matrix
    assert (
        "0DEM2"
        in client.get(
            f"/staff/{Membership.objects.get(user__username='sygeplejerske').public_id}/competences/"
        ).content.decode()
    )
    assert PersonCompetence.objects.filter(user__username="elev").exists()
    tasks = Delegation.objects.filter(
        delegator__username="laege", delegate__username="sygeplejerske"
    ).values_list("task", flat=True)
    assert set(tasks) == {"vaccination", "blood_sampling"}
    client.post("/logout/")
    client.post("/login/", {"username": "laege", "password": DEMO_PASSWORD})
    queue = client.get("/arbejdsliste/?kind=delegation").content.decode()
    assert "sygeplejerske" in queue.lower() or "Karen Madsen" in queue
    # The apprentice sees her own plan with its goals, one approved by her daily trainer.
    client.post("/logout/")
    client.post("/login/", {"username": "elev", "password": DEMO_PASSWORD})
    plan = client.get("/staff/me/plan/").content.decode()
    assert "Praktikperiode 1" in plan and 'id="goal-4"' in plan
    assert plan.count('class="approved"') == 1


def _therapy_clinics_invoice() -> None:
    fysio = Invoice.objects.filter(organisation__slug="fysio-nord")
    assert fysio.filter(kind="invoice").count() >= 5
    assert fysio.filter(kind="credit_note").exists()
    assert fysio.filter(danmark__isnull=False).exists()
    assert fysio.filter(reminders__isnull=False).exists()
    assert Payment.objects.filter(invoice__organisation__slug="fysio-nord").exists()
    assert PriceItem.objects.filter(organisation__slug="fysio-nord", vat_rate=25).exists()
    numbers = sorted(fysio.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    client = Client()
    client.post("/login/", {"username": "fysioterapeut", "password": DEMO_PASSWORD})
    page = client.get("/invoices/?open=1")
    assert page.status_code == 200 and page.context["rows"]


def _gp_fees_approved_settled_and_rejected() -> None:
    fees = Fee.objects.filter(organisation__slug="laegehuset")
    assert set(fees.values_list("status", flat=True)) >= {"suggested", "settled", "rejected"}
    assert fees.filter(status="rejected").count() == 2
    assert FeeRate.objects.filter(code="0101", insurance_group=1).count() >= 2
    client = Client()
    client.post("/login/", {"username": "sekretaer", "password": DEMO_PASSWORD})
    queue = client.get("/arbejdsliste/?kind=fees")
    assert queue.status_code == 200
    assert "Godkend ydelser" in queue.content.decode()


def _gp_vaccines_in_stock_by_lot() -> None:
    lots = Lot.objects.filter(organisation__slug="laegehuset", product__kind="vaccine")
    assert lots.count() >= 3 and lots.filter(lot_number="AB1234", quantity__gt=0).exists()
    client = Client()
    client.post("/login/", {"username": "sygeplejerske", "password": DEMO_PASSWORD})
    page = client.get("/stock/")
    assert page.status_code == 200 and "AB1234" in page.content.decode()
    assert page.context["value_total"] == 12 * 189  # Boostrix, received on an order
    orders = client.get("/stock/orders/")
    assert [o.status for o in orders.context["orders"]] == ["ordered", "received"]
