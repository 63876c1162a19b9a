"""Incoming Bundles for the tests, shaped as MedCom's own examples (dk-medcom-carecommunication
input/fsh/1st-message.fsh: https fullUrls, relative references, a PractitionerRole as author)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from klinik.correspondence.messages import fhir

BASE = "https://medcomfhir.dk/ig/carecommunication/"


def medcom_example(
    *, cpr: str, to_sor: str, to_ean: str = "5790000209354", header_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """MedCom's "1st message" example (a nurse at a heart unit asks a nursing home), addressed
    to `to_sor` about the patient with `cpr`."""
    h = str(header_id or uuid.uuid4())
    ids = {
        name: str(uuid.uuid4()) for name in ("pat", "comm", "role", "prac", "recv", "send", "prov")
    }

    def ref(kind: str, key: str) -> dict[str, str]:
        return {"reference": f"{kind}/{ids[key]}"}

    resources = [
        {
            "resourceType": "MessageHeader",
            "id": h,
            "eventCoding": {"system": fhir.EVENTS, "code": "care-communication-message"},
            "destination": [
                {
                    "extension": [
                        {
                            "url": fhir.EXT_USE,
                            "valueCoding": {"system": fhir.DESTINATION_USE, "code": "primary"},
                        }
                    ],
                    "endpoint": f"https://sor2.sum.dsdn.dk/#id={to_sor}",
                    "receiver": ref("Organization", "recv"),
                }
            ],
            "sender": ref("Organization", "send"),
            "source": {"endpoint": "https://sor2.sum.dsdn.dk/#id=265161000016000"},
            "focus": [ref("Communication", "comm")],
        },
        {
            "resourceType": "Patient",
            "id": ids["pat"],
            "identifier": [{"system": "urn:oid:1.2.208.176.1.2", "value": cpr}],
            "name": [{"use": "official", "family": "Elmer", "given": ["Bruno"]}],
        },
        {
            "resourceType": "Communication",
            "id": ids["comm"],
            "identifier": [{"value": f"urn:uuid:{uuid.uuid4()}"}],
            "status": "unknown",
            "category": [{"coding": [{"system": fhir.CATEGORIES, "code": "examination-results"}]}],
            "topic": {"text": "Forspørgsel på seneste resultater"},
            "subject": ref("Patient", "pat"),
            "payload": [
                {
                    "extension": [
                        {"url": fhir.EXT_DATE, "valueDateTime": "2025-12-18T09:30:00+01:00"},
                        {
                            "url": fhir.EXT_IDENTIFIER,
                            "valueIdentifier": {
                                "value": f"urn:uuid:{uuid.uuid4()}",
                                "assigner": ref("Organization", "send"),
                            },
                        },
                        {"url": fhir.EXT_AUTHOR, "valueReference": ref("PractitionerRole", "role")},
                        {
                            "url": fhir.EXT_CONTACT,
                            "valueContactPoint": {"system": "phone", "value": "38683868"},
                        },
                    ],
                    "contentString": "Til rette vedkommende. Vi ønsker information om de "
                    "seneste undersøgelser. På forhånd tak. Hilsen Michael, sygeplejerske.",
                }
            ],
        },
        {
            "resourceType": "PractitionerRole",
            "id": ids["role"],
            "practitioner": ref("Practitioner", "prac"),
        },
        {
            "resourceType": "Practitioner",
            "id": ids["prac"],
            "name": [{"given": ["Michael"], "family": "Burns"}],
        },
        {
            "resourceType": "Organization",
            "id": ids["recv"],
            "identifier": [
                {"system": fhir.SYSTEM_SOR, "value": to_sor},
                {"system": fhir.SYSTEM_EAN, "value": to_ean},
            ],
            "name": "Lægehuset A",
        },
        {
            "resourceType": "Organization",
            "id": ids["send"],
            "identifier": [
                {"system": fhir.SYSTEM_SOR, "value": "265161000016111"},
                {"system": fhir.SYSTEM_EAN, "value": "5790000209999"},
            ],
            "name": "Hjerteafdelingen på Herlev og Gentofte hospital",
        },
        {
            "resourceType": "Provenance",
            "id": ids["prov"],
            "target": [{"reference": f"MessageHeader/{h}"}],
            "occurredDateTime": "2025-12-18T09:30:00+01:00",
            "recorded": "2025-12-18T09:30:00+01:00",
            "activity": {"coding": [{"system": fhir.ACTIVITIES, "code": "new-message"}]},
            "agent": [{"who": ref("Organization", "send")}],
        },
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "message",
        "timestamp": "2025-12-18T09:30:00+01:00",
        "entry": [
            {"fullUrl": f"{BASE}{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


def without(document: dict[str, Any], resource_type: str) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    copied["entry"] = [e for e in copied["entry"] if e["resource"]["resourceType"] != resource_type]
    return copied
