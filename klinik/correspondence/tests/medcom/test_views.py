"""The MedCom screens through HTTP: send to the own GP from the patient page, a thread with
its answer, filing an unmatched message on a patient, the Bundle as FHIR, the partner directory
with its CSV import (all lines or none); 404 across organisations."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from klinik.core.choices import Role
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import CareMessageStatus
from klinik.correspondence.messages.services import care_message_receive
from klinik.correspondence.models import CareMessage, Partner
from klinik.correspondence.tests.medcom.bundles import medcom_example
from klinik.correspondence.tests.medcom.conftest import GP, OWN_A


def _received(world, actor_for, secretary, cpr):
    return care_message_receive(
        actor=actor_for(secretary), document=medcom_example(cpr=cpr, to_sor=OWN_A["sor"])
    )


def test_the_patient_page_offers_send_to_own_gp(client, login_as, secretary, world, directory):
    login_as(secretary)
    page = client.get(f"/patients/{world.patient_a.public_id}/").content.decode()
    assert 'id="send-to-gp"' in page and 'id="care-messages"' in page


def test_send_to_own_gp_preselects_the_gp_and_sends(
    client, login_as, secretary, world, directory, now
):
    login_as(secretary)
    url = f"/medcom/patient/{world.patient_a.public_id}/"
    form = client.get(url + "?to=gp").content.decode()
    gp = directory["gp"]
    assert f'value="{gp.public_id}" selected' in form
    response = client.post(
        url,
        {
            "partner": str(gp.public_id),
            "category": "outpatient",
            "topic": "Kontrol",
            "text": "Kopi til egen læge.",
        },
    )
    assert response.status_code == 302
    message = CareMessage.objects.get()
    assert response["Location"] == f"/medcom/{message.public_id}/"
    assert (message.counterpart_sor, message.status) == (GP["sor"], CareMessageStatus.SENT)
    assert client.get(url).content.decode().count(f"/medcom/{message.public_id}/") == 1


def test_send_to_own_gp_says_when_the_gp_is_not_in_the_directory(
    client, login_as, secretary, world, directory
):
    directory["gp"].delete()
    login_as(secretary)
    page = client.get(f"/medcom/patient/{world.patient_a.public_id}/?to=gp").content.decode()
    assert 'id="gp-problem"' in page and "012345" in page


def test_a_form_without_recipient_sor_shows_the_error_and_sends_nothing(
    client, login_as, secretary, world, directory
):
    login_as(secretary)
    response = client.post(
        f"/medcom/patient/{world.patient_a.public_id}/",
        {
            "recipient_name": "Nogen",
            "recipient_ean": GP["ean"],
            "category": "other",
            "topic": "x",
            "text": "y",
        },
    )
    assert response.status_code == 200
    assert "recipient_sor" in response.content.decode() and not CareMessage.objects.exists()


def test_a_received_message_is_answered_in_its_thread(
    client, login_as, secretary, world, directory, actor_for, now
):
    received = _received(world, actor_for, secretary, world.patient_a.cpr).message
    login_as(secretary)
    page = client.get(f"/medcom/{received.public_id}/").content.decode()
    assert "Til rette vedkommende" in page and 'id="reply-form"' in page
    response = client.post(f"/medcom/{received.public_id}/reply/", {"text": "Svarene er normale."})
    assert response.status_code == 302
    answer = CareMessage.objects.get(replies_to=received)
    assert answer.thread == received.thread and answer.activity == "reply-message"
    parsed = fhir.message_parse(answer.bundle)
    assert (
        parsed.replies_to == received.header_id and parsed.receiver.sor == received.counterpart_sor
    )
    thread = client.get(f"/medcom/{answer.public_id}/").content.decode()
    assert "Til rette vedkommende" in thread and "Svarene er normale." in thread
    assert "Acknowledgement" in thread or "Kvittering" in thread


def test_an_empty_answer_is_refused_at_the_field(
    client, login_as, secretary, world, directory, actor_for, now
):
    received = _received(world, actor_for, secretary, world.patient_a.cpr).message
    login_as(secretary)
    response = client.post(f"/medcom/{received.public_id}/reply/", {"text": ""})
    assert response.status_code == 422
    assert CareMessage.objects.filter(replies_to=received).count() == 0


def test_an_unmatched_message_is_filed_on_the_patient_found(
    client, login_as, secretary, world, directory, actor_for, now
):
    received = _received(world, actor_for, secretary, "0101001234").message
    assert received.status == CareMessageStatus.UNMATCHED
    login_as(secretary)
    page = client.get(f"/medcom/{received.public_id}/").content.decode()
    assert "Bruno Elmer" in page and "010100-1234" in page
    found = client.get(
        f"/medcom/{received.public_id}/", {"q": world.patient_a.cpr}
    ).content.decode()
    assert str(world.patient_a.public_id) in found
    response = client.post(
        f"/medcom/{received.public_id}/match/", {"patient": str(world.patient_a.public_id)}
    )
    assert response.status_code == 302
    received.refresh_from_db()
    assert received.patient == world.patient_a and received.status == CareMessageStatus.RECEIVED
    ack = CareMessage.objects.get(acknowledges=received)
    assert ack.patient == world.patient_a


def test_the_work_queue_screen_lists_the_unmatched_message(
    client, login_as, secretary, world, directory, actor_for, now
):
    received = _received(world, actor_for, secretary, "0101001234").message
    login_as(secretary)
    page = client.get("/arbejdsliste/").content.decode()
    assert f"/medcom/{received.public_id}/" in page


def test_the_list_and_the_fhir_view(client, login_as, secretary, world, directory, actor_for, now):
    received = _received(world, actor_for, secretary, world.patient_a.cpr).message
    login_as(secretary)
    listing = client.get("/medcom/").content.decode()
    assert f"/medcom/{received.public_id}/" in listing
    response = client.get(f"/medcom/{received.public_id}/fhir/")
    assert response["Content-Type"].startswith("application/fhir+json")
    assert json.loads(response.content)["entry"][0]["resource"]["id"] == str(received.header_id)


def test_another_organisations_message_is_a_404(
    client, login_as, secretary, world, directory, actor_for, now
):
    received = _received(world, actor_for, secretary, world.patient_a.cpr).message
    login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    for path in ("", "fhir/"):
        assert client.get(f"/medcom/{received.public_id}/{path}").status_code == 404
    assert client.post(f"/medcom/{received.public_id}/reply/", {"text": "x"}).status_code == 404
    assert "Bruno" not in client.get("/medcom/").content.decode()
    assert CareMessage.objects.filter(replies_to=received).count() == 0


def test_partners_are_imported_from_csv_all_or_nothing(client, login_as, world, directory):
    manager = world.member(Role.MANAGER)
    login_as(manager)
    good = (
        "kind;name;sor;ean;provider_number\n"
        "kommune;Byens Kommune;123456000016001;5798000000001;\n"
        "læge;Lægehuset Nord;654321000016002;5790000000123;067890\n"
    )
    response = client.post(
        "/medcom/partners/",
        {"import": "1", "file": SimpleUploadedFile("p.csv", good.encode("utf-8"))},
    )
    assert response.status_code == 302
    assert Partner.objects.get(sor="654321000016002").provider_number == "067890"
    before = Partner.objects.count()
    bad = (
        "kind,name,sor,ean\n"
        "kommune,Ny,223456000016001,5798000000002\n"
        "kommune,Uden EAN,323456000016001,\n"
    )
    response = client.post(
        "/medcom/partners/",
        {"import": "1", "file": SimpleUploadedFile("p.csv", bad.encode("utf-8"))},
    )
    assert response.status_code == 422 and "3" in response.content.decode()
    assert Partner.objects.count() == before


def test_a_partner_is_added_by_hand_and_a_secretary_cannot(
    client, login_as, secretary, world, directory
):
    login_as(world.member(Role.MANAGER))
    data = {
        "save": "1",
        "kind": "hospital",
        "name": "Ortopædkirurgisk afd.",
        "sor": "777777000016003",
        "ean": "5790000000777",
    }
    assert client.post("/medcom/partners/", data).status_code == 302
    assert Partner.objects.filter(sor="777777000016003", organisation=world.org_a).exists()
    client.logout()
    login_as(secretary)
    data["sor"] = "888888000016003"
    client.post("/medcom/partners/", data)
    assert not Partner.objects.filter(sor="888888000016003").exists()
