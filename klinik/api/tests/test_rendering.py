"""The API's JSON is written by pydantic-core (klinik.api.rendering): the same values as
ninja's encoder wrote, for every type the API returns."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from klinik.api.rendering import FastJSONRenderer
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.patients.models import Patient
from klinik.scheduling.choices import AppointmentStatus


class _Part(Schema):
    name: str


def test_every_returned_type_is_written_as_ninjas_encoder_wrote_it():
    data = {
        "id": uuid.UUID("8a1f0c2e-5b7d-4e55-9c11-0d3f6a7b8c9d"),
        "start": datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        "local": datetime(2026, 12, 3, 9, 0, tzinfo=timezone(timedelta(hours=1))),
        "day": date(2026, 12, 24),
        "at": time(8, 30),
        "amount": Decimal("600.00"),
        "status": AppointmentStatus.BOOKED,
        "label": gettext_lazy("note"),
        "part": _Part(name="Røntgen"),
        "name": "Søren Ærø Ågård",
        "items": [1, 2.5, None, True],
    }
    written = FastJSONRenderer().render(None, data, response_status=200)  # type: ignore[arg-type]
    assert json.loads(written) == json.loads(json.dumps(data, cls=NinjaJSONEncoder))
    assert "Søren Ærø Ågård".encode() in written  # UTF-8, not escaped


def test_times_keep_their_microseconds():
    moment = datetime(2026, 12, 3, 8, 0, 0, 123456, tzinfo=UTC)
    written = FastJSONRenderer().render(None, {"at": moment}, response_status=200)  # type: ignore[arg-type]
    assert datetime.fromisoformat(json.loads(written)["at"]) == moment


def test_an_api_answer_is_json_in_utf8(client, world):
    membership = world.member(Role.SECRETARY)
    _, token = api_token_create(user=membership.user, organisation=world.org_a)
    Patient.objects.filter(pk=world.patient_a.pk).update(given_name="Åse")
    response = client.get(
        f"/api/v1/patients/{world.patient_a.public_id}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert response["content-type"] == "application/json; charset=utf-8"
    assert "Åse".encode() in response.content
    assert response.json()["id"] == str(world.patient_a.public_id)
