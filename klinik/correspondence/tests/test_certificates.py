"""Certificates (issue 15 item 6): the catalogue loaded from the shipped data with dated
prices, a request registered with its requester and reply date (in the work queue), written
from a letter template, sent by Digital Post, marked for invoicing and invoiced by billing
with the VAT of its type — once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from klinik.billing.certificates import certificates_awaiting_invoice, invoice_from_certificate
from klinik.billing.errors import BillingCode, BillingError
from klinik.core.services import actor_from_membership
from klinik.correspondence.certificates.catalogue import CATALOGUE, catalogue_read
from klinik.correspondence.certificates.choices import CertificateStatus
from klinik.correspondence.certificates.errors import CertificateCode, CertificateError
from klinik.correspondence.certificates.selectors import certificate_price
from klinik.correspondence.certificates.services import (
    certificate_register,
    certificate_send,
    certificate_write,
)
from klinik.correspondence.letters.choices import LetterKind
from klinik.correspondence.models import (
    Certificate,
    CertificatePrice,
    CertificateType,
    LetterTemplate,
)
from klinik.records.tests.factories import record_world_create
from klinik.worklist.selectors import WorklistFilter, worklist_page

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def rw(world, clock, settings, tmp_path):
    clock.set(NOW)
    settings.DIGITAL_POST_OUTBOX_DIR = str(tmp_path / "dp")
    return record_world_create(world)


@pytest.fixture
def secretary(rw):
    return actor_from_membership(rw.secretary)


@pytest.fixture
def template(rw):
    return LetterTemplate.objects.create(
        organisation=rw.organisation,
        unit=None,
        kind=LetterKind.FREE,
        title="Attest",
        subject="Attest om {patient_name}",
        body="Undertegnede læge bekræfter ...\n\n{clinician}",
    )


def _type(code):
    return CertificateType.objects.get(organisation=None, code=code)


def test_the_catalogue_is_loaded_from_the_shipped_file_with_dated_prices(db):
    shipped = catalogue_read()
    assert CertificateType.objects.filter(organisation=None).count() == len(shipped)
    fp = _type("FP 710")
    assert (fp.family, fp.vat_rate, fp.reply_days) == ("FP", 25, None)
    assert _type("LÆ 121").reply_days == 14 and _type("LÆ 121").vat_rate == 0
    assert list(fp.prices.values_list("valid_from", "amount")) == [
        (date(2016, 4, 1), Decimal("600.00"))
    ]


def test_the_price_is_the_one_valid_on_the_day_and_the_clinics_own_wins(rw):
    fp = _type("FP 710")
    organisation_id = rw.organisation.pk
    assert (
        certificate_price(
            certificate_type=fp, organisation_id=organisation_id, day=date(2016, 3, 31)
        )
        is None
    )
    assert certificate_price(
        certificate_type=fp, organisation_id=organisation_id, day=date(2026, 3, 1)
    ) == Decimal("600.00")
    CertificatePrice.objects.create(
        organisation=rw.organisation, certificate_type=fp, valid_from=date(2026, 1, 1), amount=750
    )
    assert certificate_price(
        certificate_type=fp, organisation_id=organisation_id, day=date(2026, 3, 1)
    ) == Decimal("750.00")
    other = rw.other_organisation.pk
    assert certificate_price(
        certificate_type=fp, organisation_id=other, day=date(2026, 3, 1)
    ) == Decimal("600.00")


def test_a_request_gets_the_types_deadline_and_waits_in_the_work_queue(rw, secretary):
    certificate = certificate_register(
        actor=secretary,
        patient=rw.patient,
        certificate_type=_type("LÆ 121"),
        requester="Aarhus Kommune, Jobcenter",
        requester_reference="J.nr. 123",
        received_on=date(2026, 3, 9),
    )
    assert certificate.due_on == date(2026, 3, 23)
    assert (certificate.fee, certificate.vat_rate) == (None, 0)
    page = worklist_page(actor=secretary, chosen=WorklistFilter(kind="certificate"))
    [row] = page.rows
    assert row.item.id == str(certificate.public_id)
    assert row.item.title == "Attest at skrive" and row.item.is_all_day
    assert row.item.due == datetime(2026, 3, 23, 23, 0, tzinfo=UTC)  # the day's end, Danish time


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"requester": " "}, "requester", CertificateCode.REQUIRED),
        ({"received_on": date(2026, 3, 11)}, "received_on", CertificateCode.DATE_IN_FUTURE),
        ({"certificate_type": "FP 710"}, "due_on", CertificateCode.NO_DEADLINE),
        ({"due_on": date(2026, 3, 1)}, "due_on", CertificateCode.DUE_BEFORE_RECEIVED),
        ({"certificate_type": None}, "certificate_type", CertificateCode.REQUIRED),
    ],
)
def test_bad_requests_are_refused_at_the_field_and_nothing_is_stored(
    rw, secretary, change, field, code
):
    data = {
        "certificate_type": "LÆ 121",
        "requester": "Jobcenter",
        "received_on": date(2026, 3, 9),
    } | change
    kind = data.pop("certificate_type")
    with pytest.raises(CertificateError) as refused:
        certificate_register(
            actor=secretary,
            patient=rw.patient,
            certificate_type=_type(kind) if kind else None,
            **data,
        )
    assert (refused.value.field, refused.value.code) == (field, code)
    assert not Certificate.objects.exists()


def test_written_sent_by_digital_post_then_invoiced_once_with_the_types_vat(
    rw, secretary, template, tmp_path
):
    certificate = certificate_register(
        actor=secretary,
        patient=rw.patient,
        certificate_type=_type("FP 710"),
        requester="Forsikringsselskabet",
        received_on=date(2026, 3, 9),
        due_on=date(2026, 3, 30),
    )
    assert certificate.fee == Decimal("600.00")
    written = certificate_write(actor=secretary, certificate=certificate, template=template)
    assert written.status == CertificateStatus.WRITTEN
    assert written.letter.subject.startswith("FP 710 Sundhedsforsikringsattest")
    assert rw.patient.name in written.letter.body or rw.patient.name in written.letter.subject
    sent = certificate_send(actor=secretary, certificate=written, channel="digital_post")
    assert sent.status == CertificateStatus.SENT and sent.is_to_invoice
    meta = json.loads((tmp_path / "dp" / f"{written.letter.public_id}.json").read_text())
    assert meta["recipient_cpr"] == rw.patient.cpr

    awaiting = certificates_awaiting_invoice(actor=secretary)
    assert [(row.public_id, row.fee, row.vat_rate) for row in awaiting] == [
        (str(certificate.public_id), Decimal("600.00"), 25)
    ]
    invoice = invoice_from_certificate(actor=secretary, public_id=certificate.public_id)
    assert (invoice.subtotal, invoice.vat, invoice.total) == (
        Decimal("600.00"),
        Decimal("150.00"),
        Decimal("750.00"),
    )
    assert (invoice.source_kind, invoice.source_id) == ("certificate", certificate.public_id)
    assert certificates_awaiting_invoice(actor=secretary) == []
    with pytest.raises(BillingError) as refused:
        invoice_from_certificate(actor=secretary, public_id=certificate.public_id)
    assert refused.value.code == BillingCode.ALREADY_INVOICED


def test_an_unsent_or_feeless_certificate_is_not_invoiced(rw, secretary):
    certificate = certificate_register(
        actor=secretary,
        patient=rw.patient,
        certificate_type=_type("LÆ 121"),
        requester="Jobcenter",
        received_on=date(2026, 3, 9),
    )
    with pytest.raises(BillingError) as refused:
        invoice_from_certificate(actor=secretary, public_id=certificate.public_id)
    assert refused.value.code == BillingCode.NOT_TO_INVOICE


def test_the_screens_register_write_and_send_and_another_organisation_gets_404(
    rw, secretary, template, login_as, client
):
    page = login_as(rw.secretary)
    response = page.post(
        f"/attester/patient/{rw.patient.public_id}/",
        {
            "certificate_type": str(_type("LÆ 121").pk),
            "requester": "Jobcenter",
            "requester_reference": "",
            "received_on": "09.03.2026",
            "due_on": "",
        },
    )
    certificate = Certificate.objects.get()
    assert response["Location"] == f"/attester/{certificate.public_id}/"
    bad = page.post(
        f"/attester/patient/{rw.patient.public_id}/",
        {
            "certificate_type": str(_type("FP 710").pk),
            "requester": "X",
            "received_on": "09.03.2026",
        },
    )
    assert bad.status_code == 422
    assert "Kataloget angiver ingen svarfrist" in bad.content.decode()
    page.post(f"/attester/{certificate.public_id}/", {"template": str(template.public_id)})
    page.post(f"/attester/{certificate.public_id}/send/", {"channel": "print"})
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.SENT
    assert not certificate.is_to_invoice, "LÆ 121 has no price in the catalogue"
    client.logout()
    other = login_as(rw.other_doctor)
    foreign = other.get(f"/attester/{certificate.public_id}/")
    missing = other.get("/attester/00000000-0000-4000-8000-000000000000/")
    assert foreign.status_code == missing.status_code == 404
    assert rw.patient.name not in other.get("/attester/").content.decode()
    invoiced = other.post(f"/invoices/certificates/{certificate.public_id}/")
    assert invoiced.status_code == 404


def test_the_load_command_adds_a_new_dated_price_and_refuses_a_broken_file(db, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    document = json.loads(CATALOGUE.read_text())
    fp = next(row for row in document["types"] if row["code"] == "FP 710")
    fp["prices"].append({"valid_from": "2026-04-01", "amount": "640.00"})
    newer = tmp_path / "catalogue.json"
    newer.write_text(json.dumps(document))
    out = StringIO()
    call_command("certificates", "load", str(newer), stdout=out)
    assert f"{len(document['types'])} certificate types" in out.getvalue()
    prices = _type("FP 710").prices.order_by("valid_from").values_list("amount", flat=True)
    assert list(prices) == [Decimal("600.00"), Decimal("640.00")]
    broken = tmp_path / "broken.json"
    broken.write_text('{"types": [{"code": "X"}]}')
    with pytest.raises(CommandError):
        call_command("certificates", "load", str(broken), stdout=StringIO())
    assert not CertificateType.objects.filter(code="X").exists()
