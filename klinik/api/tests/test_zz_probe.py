from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinik.api.tests.test_scheduling_api import setup  # noqa: F401
from klinik.scheduling.tests.factories import at
from klinik.patients.tests.factories import PatientFactory


def _dump(label, captured):
    print(f"\n==== {label}: {len(captured.captured_queries)}")
    for q in captured.captured_queries:
        print("  ", q["sql"][:400])


def test_probe(setup):
    kind = str(setup.clinic.consultation.public_id)
    doctor = str(setup.clinic.doctors[0].public_id)
    for hour in (9, 10, 11):
        p = PatientFactory(unit=setup.world.unit_a)
        payload = {"patient": str(p.public_id), "appointment_type": kind,
                   "start": at(setup.day, hour).isoformat(), "practitioner": doctor}
        with CaptureQueriesContext(connection) as c:
            r = setup.post("/appointments", payload)
        assert r.status_code == 201, r.content
    _dump("book http", c)
    with CaptureQueriesContext(connection) as c:
        r = setup.get("/appointments", date=setup.day.isoformat(), practitioner=doctor)
    _dump("day http", c)
