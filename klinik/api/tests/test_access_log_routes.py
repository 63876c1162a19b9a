"""Every API route that hands out patient data writes an access-log entry (issue 10).

One patient is read through each such route in turn; each request must append at least one
entry on the API channel, naming the patient for routes about one patient. The table below
is checked against the API itself: a new route must say here whether it returns patient data
(and how to call it) or not, so that no route slips past the log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from klinik.api.tests.helpers import ApiClient, ApiWorld, api_world_create
from klinik.api.urls import api
from klinik.audit.models import AccessLogEntry
from klinik.records.tests.clinical_fixtures import MAIN_CODE, contact_for
from klinik.records.tests.document_files import data_dir, pdf_bytes, upload
from klinik.records.tests.factories import entry_write
from klinik.scheduling.tests.factories import at

__all__ = ["data_dir"]  # the fixture: a private DATA_DIR per test

# Routes without patient data: who you are, bookable types and free times, terminology, and
# the journal's refusal to change an entry (answered before anything is looked up).
NO_PATIENT_DATA = {
    ("GET", "/me"),
    ("GET", "/appointment-types"),
    ("POST", "/appointment-types"),
    ("GET", "/slots"),
    ("GET", "/terminology/search"),
    ("GET", "/terminology/danish"),
    # Staff: the course catalogue, competences and the delegation register (no patients).
    ("GET", "/staff/courses"),
    ("GET", "/staff/competences"),
    ("GET", "/delegations"),
    ("POST", "/delegations"),
    ("GET", "/staff/{username}/courses"),
    ("POST", "/staff/{username}/courses"),
    ("PUT", "/journal/{entry_id}"),
    ("PATCH", "/journal/{entry_id}"),
    ("DELETE", "/journal/{entry_id}"),
    # Resources, their hours and absences (an absence answers the ids of the appointments
    # inside it; the list it reads is logged by the setup selector).
    ("GET", "/resources"),
    ("POST", "/resources"),
    ("GET", "/resources/{resource_id}/hours"),
    ("PUT", "/resources/{resource_id}/hours"),
    ("POST", "/resources/{resource_id}/absences"),
    ("DELETE", "/absences/{absence_id}"),
    # The deadline engine and its rules: dates only.
    ("GET", "/working-days"),
    ("GET", "/deadlines"),
    ("GET", "/deadline-rules"),
    # Stock: products and lots, no patients.
    ("POST", "/stock/receipts"),
    ("GET", "/stock"),
    # LPR3 dry-run validation: checks the document sent, reads no patient (ADR 0031).
    ("POST", "/lpr3/validate"),
}

Call = Callable[[ApiWorld], tuple[str, str, dict[str, Any]]]


def _referral(aw: ApiWorld, *, accepted: bool = False) -> Any:
    from klinik.pathways.referral_services import referral_receive, referral_visitate

    referral = referral_receive(
        actor=aw.rw.secretary_actor,
        patient=aw.rw.patient,
        unit=aw.rw.unit,
        received_at=timezone.now() - timedelta(hours=1),
        referrer_name="Lægerne i Byen",
        reason="Udredning",
        priority="planlagt",
        rights=["udredningsret"],
    )
    if accepted:
        referral_visitate(actor=aw.rw.doctor_actor, referral=referral, decision="accept")
    return referral


def _invoice(aw: ApiWorld) -> str:
    from klinik.billing.services import LineInput, invoice_create

    line = LineInput(text="Konsultation", quantity="1", unit_price="450.00", vat_rate=0)
    invoice = invoice_create(actor=aw.rw.secretary_actor, patient=aw.rw.patient, lines=[line])
    return str(invoice.public_id)


def _overdue_invoice(aw: ApiWorld) -> str:
    from klinik.billing.models import Invoice

    public_id = _invoice(aw)
    invoice = Invoice.objects.get(public_id=public_id)
    earlier = invoice.issued_on - timedelta(days=30)
    Invoice.objects.filter(pk=invoice.pk).update(issued_on=earlier, due_on=earlier)
    return public_id


_INVOICE_LINE = {"text": "Attest", "quantity": "1", "unit_price": "100.00", "vat_rate": 25}


def _referral_body(aw: ApiWorld) -> dict[str, Any]:
    return {
        "patient": str(aw.rw.patient.public_id),
        "unit": str(aw.rw.unit.public_id),
        "received_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "referrer": {"name": "Lægerne i Byen"},
        "reason": "Udredning",
        "priority": "planlagt",
        "rights": ["udredningsret"],
    }


def _signable(aw: ApiWorld) -> str:
    rw = aw.rw
    entry = entry_write(
        rw.secretary_actor, rw.patient, "Til underskrift", responsible=rw.doctor.user
    )
    return str(entry.public_id)


def _task(aw: ApiWorld) -> str:
    from klinik.pathways.task_services import task_create

    rw = aw.rw
    task = task_create(
        actor=rw.doctor_actor, title="Ring til patienten", unit=rw.unit, patient=rw.patient
    )
    return str(task.public_id)


def _vaccination() -> dict[str, Any]:
    return {
        "vaccine": "Influvac Tetra",
        "batch_number": "AB1234",
        "dose": "0,5 ml",
        "site": "left_deltoid",
        "given_on": timezone.localdate().isoformat(),
    }


# (method, route) -> how to call it for the patient: (method to send, path, data). "one": the
# route is about one patient, whose id the entry must carry; "list": one entry for the list.
P = "/patients/{p}"
ROUTES: dict[tuple[str, str], tuple[str, Call]] = {
    ("GET", "/patients"): ("list", lambda aw: ("GET", "/patients", {"q": aw.rw.patient.cpr})),
    ("POST", "/patients/search"): (
        "list",
        lambda aw: ("POST", "/patients/search", {"q": aw.rw.patient.cpr}),
    ),
    ("POST", "/patients"): (
        "new",
        lambda aw: (
            "POST",
            "/patients",
            {"cpr": "070761-4285", "given_name": "Mette", "family_name": "Jensen"},
        ),
    ),
    ("GET", "/patients/{patient_id}"): ("one", lambda aw: ("GET", P, {})),
    ("PATCH", "/patients/{patient_id}"): (
        "one",
        lambda aw: ("PATCH", P, {"phone": "22334455", "reason": "Ny telefon"}),
    ),
    ("POST", "/patients/{patient_id}/break-glass"): (
        "one2",  # the patient of another unit, outside the care relation
        lambda aw: ("POST", "/patients/{p2}/break-glass", {"reason": "Akut"}),
    ),
    ("POST", "/appointments"): (
        "one",
        lambda aw: (
            "POST",
            "/appointments",
            {
                "patient": str(aw.rw.patient.public_id),
                "appointment_type": str(aw.clinic.phone.public_id),
                "start": at(aw.day, 13).isoformat(),
            },
        ),
    ),
    ("POST", "/appointments/series"): (
        "one",
        lambda aw: (
            "POST",
            "/appointments/series",
            {
                "patient": str(aw.rw.patient.public_id),
                "appointment_type": str(aw.clinic.phone.public_id),
                "start": at(aw.day, 14).isoformat(),
                "every_weeks": 1,
                "count": 2,
                "skip_conflicts": True,
            },
        ),
    ),
    ("GET", "/appointments"): ("list", lambda aw: ("GET", "/appointments", {"date": aw.day})),
    ("POST", "/waitlist"): (
        "one",
        lambda aw: (
            "POST",
            "/waitlist",
            {
                "patient": str(aw.rw.patient.public_id),
                "appointment_type": str(aw.clinic.consultation.public_id),
            },
        ),
    ),
    ("GET", "/waitlist"): ("list", lambda aw: ("GET", "/waitlist", {"unit": aw.rw.unit.public_id})),
    ("GET", "/appointments/{appointment_id}"): (
        "one",
        lambda aw: ("GET", f"/appointments/{aw.appointment.public_id}", {}),
    ),
    ("POST", "/appointments/{appointment_id}/cancel"): (
        "one",
        lambda aw: (
            "POST",
            f"/appointments/{aw.appointment.public_id}/cancel",
            {"reason": "Afbud"},
        ),
    ),
    ("POST", "/patients/{patient_id}/journal"): (
        "one",
        lambda aw: ("POST", f"{P}/journal", {"type": "note", "text": "Telefonkonsultation."}),
    ),
    ("GET", "/patients/{patient_id}/journal"): ("one", lambda aw: ("GET", f"{P}/journal", {})),
    ("GET", "/journal/{entry_id}"): (
        "one",
        lambda aw: ("GET", f"/journal/{aw.entry.public_id}", {}),
    ),
    ("POST", "/journal/{entry_id}/corrections"): (
        "one",
        lambda aw: (
            "POST",
            f"/journal/{aw.entry.public_id}/corrections",
            {"text": "Kontrol. Rettet.", "reason": "Skrivefejl"},
        ),
    ),
    ("POST", "/journal/{entry_id}/sign"): (
        "one",
        lambda aw: ("POST", f"/journal/{_signable(aw)}/sign", {}),
    ),
    ("GET", "/patients/{patient_id}/diagnoses"): ("one", lambda aw: ("GET", f"{P}/diagnoses", {})),
    ("POST", "/patients/{patient_id}/diagnoses"): (
        "one",
        lambda aw: (
            "POST",
            f"{P}/diagnoses",
            {
                "contact": str(contact_for(aw.rw.doctor_actor, aw.rw.patient).public_id),
                "code": MAIN_CODE,
            },
        ),
    ),
    ("GET", "/patients/{patient_id}/measurements"): (
        "one",
        lambda aw: ("GET", f"{P}/measurements", {}),
    ),
    ("POST", "/patients/{patient_id}/measurements"): (
        "one",
        lambda aw: ("POST", f"{P}/measurements", {"kind": "weight", "value": 80}),
    ),
    ("GET", "/patients/{patient_id}/vaccinations"): (
        "one",
        lambda aw: ("GET", f"{P}/vaccinations", {}),
    ),
    ("POST", "/patients/{patient_id}/vaccinations"): (
        "one",
        lambda aw: ("POST", f"{P}/vaccinations", _vaccination()),
    ),
    ("GET", "/patients/{patient_id}/warnings"): ("one", lambda aw: ("GET", f"{P}/warnings", {})),
    ("POST", "/patients/{patient_id}/warnings"): (
        "one",
        lambda aw: ("POST", f"{P}/warnings", {"kind": "cave", "text": "jod"}),
    ),
    ("POST", "/patients/{patient_id}/documents"): (
        "one",
        lambda aw: ("POST_FORM", f"{P}/documents", {"file": upload("svar.pdf", pdf_bytes())}),
    ),
    ("GET", "/documents/{document_id}"): (
        "one",
        lambda aw: ("GET", f"/documents/{aw.document.public_id}", {}),
    ),
    ("GET", "/documents/{document_id}/content"): (
        "one",
        lambda aw: ("GET", f"/documents/{aw.document.public_id}/content", {}),
    ),
    ("GET", "/worklist"): ("list", lambda aw: ("GET", "/worklist", {})),
    ("POST", "/tasks"): (
        "one",
        lambda aw: (
            "POST",
            "/tasks",
            {"title": "Send svar", "patient": str(aw.rw.patient.public_id)},
        ),
    ),
    ("GET", "/tasks"): ("list", lambda aw: ("GET", "/tasks", {})),
    ("GET", "/tasks/{task_id}"): ("one", lambda aw: ("GET", f"/tasks/{_task(aw)}", {})),
    ("PATCH", "/tasks/{task_id}"): (
        "one",
        lambda aw: ("PATCH", f"/tasks/{_task(aw)}", {"status": "done"}),
    ),
    ("POST", "/tasks/{task_id}/comments"): (
        "one",
        lambda aw: ("POST", f"/tasks/{_task(aw)}/comments", {"text": "Ringet, ingen svar"}),
    ),
    ("GET", "/dictations"): ("list", lambda aw: ("GET", "/dictations", {})),
    ("POST", "/referrals"): ("one", lambda aw: ("POST", "/referrals", _referral_body(aw))),
    ("GET", "/referrals/{referral_id}"): (
        "one",
        lambda aw: ("GET", f"/referrals/{_referral(aw).public_id}", {}),
    ),
    ("POST", "/referrals/{referral_id}/visitation"): (
        "one",
        lambda aw: (
            "POST",
            f"/referrals/{_referral(aw).public_id}/visitation",
            {"decision": "accept"},
        ),
    ),
    ("POST", "/pathways/{pathway_id}/markers"): (
        "one",
        lambda aw: (
            "POST",
            f"/pathways/{_referral(aw, accepted=True).pathways.get().public_id}/markers",
            {"code": "AFV01B", "at": timezone.now().isoformat()},
        ),
    ),
    ("POST", "/invoices"): (
        "one",
        lambda aw: (
            "POST",
            "/invoices",
            {"patient": str(aw.rw.patient.public_id), "lines": [_INVOICE_LINE]},
        ),
    ),
    ("GET", "/invoices"): ("list", lambda aw: ("GET", "/invoices", {})),
    ("GET", "/invoices/{invoice_id}"): ("one", lambda aw: ("GET", f"/invoices/{_invoice(aw)}", {})),
    ("GET", "/invoices/{invoice_id}.pdf"): (
        "one",
        lambda aw: ("GET", f"/invoices/{_invoice(aw)}.pdf", {}),
    ),
    ("POST", "/invoices/{invoice_id}/credit"): (
        "one",
        lambda aw: ("POST", f"/invoices/{_invoice(aw)}/credit", {}),
    ),
    ("POST", "/invoices/{invoice_id}/payments"): (
        "one",
        lambda aw: (
            "POST",
            f"/invoices/{_invoice(aw)}/payments",
            {"amount": "100.00", "method": "card"},
        ),
    ),
    ("GET", "/fees"): ("list", lambda aw: ("GET", "/fees", {"date": str(timezone.localdate())})),
    ("POST", "/invoices/{invoice_id}/danmark"): (
        "one",
        lambda aw: ("POST", f"/invoices/{_invoice(aw)}/danmark", {}),
    ),
    ("POST", "/invoices/{invoice_id}/reminders"): (
        "one",
        lambda aw: ("POST", f"/invoices/{_overdue_invoice(aw)}/reminders", {"fee": "100.00"}),
    ),
    ("GET", "/dictations/{dictation_id}"): (
        "one",
        lambda aw: ("GET", f"/dictations/{aw.dictation.public_id}", {}),
    ),
    ("POST", "/patients/{patient_id}/dictations"): (
        "one",
        lambda aw: ("POST_FORM", f"{P}/dictations", {"text": "Diktat"}),
    ),
}


def _medcom_own(aw: ApiWorld) -> dict[str, str]:
    from klinik.correspondence.models import Partner

    own = {"sor": "265161000016000", "ean": "5790000209354", "name": "Klinikken"}
    Partner.objects.get_or_create(
        organisation_id=aw.rw.patient.organisation_id,
        sor=own["sor"],
        defaults={**own, "kind": "own"},
    )
    return own


def _care_message_body(aw: ApiWorld) -> dict[str, Any]:
    _medcom_own(aw)
    return {
        "patient": str(aw.rw.patient.public_id),
        "recipient": {"sor": "953741000016009", "ean": "5790001348120", "name": "Lægerne"},
        "category": "other",
        "topic": "Kopi",
        "text": "Til orientering.",
    }


def _care_message(aw: ApiWorld) -> str:
    from klinik.correspondence.messages.fhir import Party
    from klinik.correspondence.messages.services import care_message_send

    body = _care_message_body(aw)
    message = care_message_send(
        actor=aw.rw.doctor_actor,
        patient=aw.rw.patient,
        recipient=Party(**body["recipient"]),
        category="other",
        topic="Kopi",
        text="Til orientering.",
    )
    return str(message.public_id)


def _inbox_bundle(aw: ApiWorld) -> dict[str, Any]:
    from klinik.correspondence.tests.medcom.bundles import medcom_example

    return medcom_example(cpr=aw.rw.patient.cpr, to_sor=_medcom_own(aw)["sor"])


ROUTES.update(
    {
        ("POST", "/messages/care-communication"): (
            "one",
            lambda aw: ("POST", "/messages/care-communication", _care_message_body(aw)),
        ),
        ("GET", "/messages/{message_id}/fhir"): (
            "one",
            lambda aw: ("GET", f"/messages/{_care_message(aw)}/fhir", {}),
        ),
        ("POST", "/messages/inbox"): (
            "one",
            lambda aw: ("POST", "/messages/inbox", _inbox_bundle(aw)),
        ),
    }
)


def _renewal(aw: ApiWorld, *, prepared: bool = False) -> str:
    from klinik.correspondence.renewals.services import renewal_prepare, renewal_register

    actor = aw.rw.doctor_actor
    renewal = renewal_register(actor=actor, patient=aw.rw.patient, medication="Furix 40 mg")
    if prepared:
        renewal = renewal_prepare(
            actor=actor,
            renewal=renewal,
            medication="Furix 40 mg",
            dose="1 tablet morgen",
            pharmacy="Apoteket",
            last_renewed_on=None,
            doctor=aw.rw.doctor.user,
        )
    return str(renewal.public_id)


ROUTES.update(
    {
        ("GET", "/renewals"): ("list", lambda aw: ("GET", f"/renewals?x={_renewal(aw)}", {})),
        ("POST", "/renewals"): (
            "one",
            lambda aw: (
                "POST",
                "/renewals",
                {"patient": str(aw.rw.patient.public_id), "medication": "Furix"},
            ),
        ),
        ("POST", "/renewals/{renewal_id}/prepare"): (
            "one",
            lambda aw: (
                "POST",
                f"/renewals/{_renewal(aw)}/prepare",
                {"medication": "Furix", "dose": "1x1", "doctor": aw.rw.doctor.user.username},
            ),
        ),
        ("POST", "/renewals/{renewal_id}/approve"): (
            "one",
            lambda aw: ("POST", f"/renewals/{_renewal(aw, prepared=True)}/approve", {}),
        ),
        ("POST", "/renewals/{renewal_id}/decline"): (
            "one",
            lambda aw: ("POST", f"/renewals/{_renewal(aw)}/decline", {"note": "Kontrol først"}),
        ),
    }
)


def _api_routes() -> set[tuple[str, str]]:
    return {
        (method, path)
        for _prefix, router in api._routers
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }


def test_every_api_route_is_classified_for_patient_data():
    routes = _api_routes()
    assert routes - NO_PATIENT_DATA - set(ROUTES) == set(), "classify the new route here"
    assert set(ROUTES) - routes == set(), "a route listed here is gone"


@pytest.fixture
def aw(world, data_dir):
    return api_world_create(world)


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_reading_a_patient_through_the_route_is_access_logged(aw, client, route):
    kind, call = ROUTES[route]
    method, path, data = call(aw)
    path = path.replace("{p}", str(aw.rw.patient.public_id)).replace(
        "{p2}", str(aw.rw.patient2.public_id)
    )
    doctor = ApiClient(client, aw.rw.doctor)
    before = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = doctor.send(method, path, data)
    assert 200 <= response.status_code < 300, response.content[:500]
    new = AccessLogEntry.objects.filter(seq__gt=before, channel="api")
    assert new.exists(), f"{route[0]} {route[1]} wrote no access-log entry"
    if kind == "one":
        assert new.filter(patient_id=aw.rw.patient.public_id).exists()
    elif kind == "one2":
        assert new.filter(patient_id=aw.rw.patient2.public_id).exists()
    elif kind == "new":
        assert new.filter(patient_id=response.json()["id"]).exists()


# The patient's LPR3 report (ADR 0032). Sending answers ids and a version only (no patient
# data); its read is logged as an export, which reporting's tests hold it to.
NO_PATIENT_DATA.add(("POST", "/lpr3/patients/{patient_id}/send"))
ROUTES.update(
    {
        ("GET", "/lpr3/patients/{patient_id}"): (
            "one",
            lambda aw: ("GET", "/lpr3/patients/{p}", {}),
        ),
        ("POST", "/lpr3/patients/{patient_id}/revalidate"): (
            "one",
            lambda aw: ("POST", "/lpr3/patients/{p}/revalidate", {}),
        ),
    }
)
