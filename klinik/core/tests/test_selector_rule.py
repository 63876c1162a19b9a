"""ADR 0015: a selector that returns patient-identifying rows takes the acting `actor` (and
logs the read). This walks every selectors module and holds each such function to it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import klinik

# Models whose rows name or identify a patient.
PATIENT_ROWS = re.compile(
    r"\b(Patient|Appointment|JournalEntry|JournalDraft|Dictation|Document|Contact|"
    r"ContactDiagnosis|ContactProcedure|Problem|PatientWarning|Measurement|Vaccination|"
    r"OutboxMessage|WaitlistEntry|Relative|PatientChange|PatientMerge|Board|BoardRow|"
    r"WaitingRoom|Referral|Pathway|Deadline|Task|WorklistPage|"
    r"Invoice|InvoiceRow|InvoicePage|AppointmentToInvoice)\b"
)
# One patient's rows, read after the door (access_patient) checked and logged the read; or
# rows already read, only arranged.
ONE_PATIENT = {"patient", "patient_id", "entry", "appointments", "pathway", "invoice"}


def _selector_modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(klinik.__path__, "klinik.")
        if info.name.endswith(".selectors") and ".tests" not in info.name
    ]


def test_every_selector_returning_patient_rows_takes_the_actor():
    offenders = []
    checked = 0
    for name in _selector_modules():
        module = importlib.import_module(name)
        for function_name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != name or function_name.startswith("_"):
                continue
            returned = str(inspect.signature(function).return_annotation)
            if not PATIENT_ROWS.search(returned):
                continue
            checked += 1
            qualified = f"{name}.{function_name}"
            parameters = set(inspect.signature(function).parameters)
            if "actor" not in parameters and not parameters & ONE_PATIENT:
                offenders.append(f"{qualified} -> {returned}")
    assert checked > 10, "the walk found the selectors"
    assert offenders == []


def test_the_signing_and_dictation_queues_log_the_list(world, login_as, client):
    from klinik.audit.models import AccessLogEntry
    from klinik.core.choices import Role

    login_as(world.member(Role.DOCTOR))
    for url, object_type in (
        ("/journal/to-sign/", "signing_queue"),
        ("/dictation/", "dictation_queue"),
    ):
        before = AccessLogEntry.objects.filter(object_type=object_type).count()
        assert client.get(url).status_code == 200, url
        assert AccessLogEntry.objects.filter(object_type=object_type).count() == before + 1
