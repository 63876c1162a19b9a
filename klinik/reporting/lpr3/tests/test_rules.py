"""Every rule of the groups NONE, PATIENT, REFERENCE, FORLOEBSELEMENT, FORLOEBSMARKOER,
HENVISNING, KONTAKT, KONTAKTAARSAG and OPHOLDSADRESSE, both ways: a document that breaks it (at
the path named) and one that does not. Each case changes the builder's valid document by path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from klinik.reporting.lpr3.catalogue import Group
from klinik.reporting.lpr3.engine import registry
from klinik.reporting.lpr3.tests.builder import DELETE, broken, changed, document

E = "forloebselementer[0]"
K = f"{E}.kontakter[0]"
O = f"{K}.opholdsadresser[0]"  # noqa: E741
H = f"{E}.henvisning"
M = f"{E}.markoerer[0]"

GROUPS = {
    Group.NONE,
    Group.PATIENT,
    Group.REFERENCE,
    Group.FORLOEBSELEMENT,
    Group.FORLOEBSMARKOER,
    Group.HENVISNING,
    Group.KONTAKT,
    Group.KONTAKTAARSAG,
    Group.OPHOLDSADRESSE,
}


def t(day: str, clock: str = "09:00", offset: str = "+01:00") -> str:
    return f"{day}T{clock}:00{offset}"


OLD_PATHWAY = {  # an element (and its contact and stay) of 2023, before SOROLD closed
    f"{E}.start": t("2023-06-01"),
    f"{E}.slut": t("2023-12-01"),
    f"{H}.tidspunkt": t("2023-05-01"),
    f"{M}.tidspunkt": t("2023-06-01"),
    f"{K}.start": t("2023-06-05"),
    f"{K}.slut": t("2023-06-05", "10:00"),
    f"{O}.start": t("2023-06-05"),
    f"{O}.slut": t("2023-06-05", "10:00"),
}
ACROSS_NEW_YEAR = {  # a contact from 31 December 2023 to 1 January 2024
    f"{E}.start": t("2023-12-31", "08:00"),
    f"{H}.tidspunkt": t("2023-12-30"),
    f"{M}.tidspunkt": t("2023-12-31", "08:00"),
    f"{K}.start": t("2023-12-31", "10:00"),
    f"{K}.slut": t("2024-01-01", "10:00"),
    f"{O}.start": t("2023-12-31", "10:00"),
    f"{O}.slut": t("2024-01-01", "10:00"),
}
OPEN = {f"{E}.slut": None, f"{E}.afslutningsmaade": None}
SECOND_ELEMENT_SAME_START = "second element starting with the first"
CONTACT_REFERRAL = {
    "tidspunkt": t("2024-03-04"),
    "maade": "ALDA00",
    "aarsag": "DJ189",
    "fritvalg": "ALDB00",
}
STAYS_WITH_GAP = [
    {"enhed": "SOR1", "start": t("2024-03-05", "09:00"), "slut": t("2024-03-05", "09:30")},
    {"enhed": "SOR1", "start": t("2024-03-05", "09:40"), "slut": t("2024-03-05", "10:00")},
]
STAYS_FOLLOWING = [
    {"enhed": "SOR1", "start": t("2024-03-05", "09:00"), "slut": t("2024-03-05", "09:30")},
    {"enhed": "SOR1", "start": t("2024-03-05", "09:30"), "slut": t("2024-03-05", "10:00")},
]
STAYS_OPEN_ONE_WITHOUT_START = [
    {"enhed": "SOR1", "start": t("2024-03-05", "09:00"), "slut": None},
    {"enhed": "SOR1", "start": None, "slut": None},
]
NO_STAY = {f"{K}.opholdsadresser": []}


def with_second_element(start: str) -> dict[str, Any]:
    doc = document()
    second = copy.deepcopy(doc["forloebselementer"][0])
    second.update(id="f2", start=start, reference={"type": "ALAA01", "forloebselement": "f1"})
    second["henvisning"]["tidspunkt"] = t("2024-02-20")
    second["markoerer"][0]["tidspunkt"] = start
    doc["forloebselementer"].append(second)
    return doc


# (rule, changes to the valid document, the path the rule names)
FAILING: list[tuple[str, dict[str, Any], str]] = [
    (
        "00.01",
        {"indberetningstidspunkt": t("2024-06-01", "15:00", "+02:00")},
        "indberetningstidspunkt",
    ),
    ("00.01", {f"{K}.slut": t("2024-06-01", "11:00", "+02:00")}, f"{K}.slut"),
    ("00.01", {f"{K}.start": "the fifth of March"}, f"{K}.start"),
    ("00.01", {"indberetningstidspunkt": DELETE}, "indberetningstidspunkt"),
    ("01.01", {"patient.cpr": "1503244000"}, f"{E}.start"),
    ("01.01", {"patient.cpr": "12345"}, "patient.cpr"),
    ("01.01", {f"{E}.start": "2024-13-01T08:00:00"}, f"{E}.start"),
    ("01.11", {"patient.cpr": "2502244000"}, f"{H}.tidspunkt"),
    (
        "3101",
        {f"{E}.reference": {"type": "ALAA01", "forloebselement": "x", "cpr": "0202802345"}},
        f"{E}.reference.cpr",
    ),
    (
        "03.51",
        {f"{E}.reference": {"type": "ALAA99", "forloebselement": "x"}},
        f"{E}.reference.type",
    ),
    ("03.a", {f"{E}.reference": {"type": "ALDA00", "forloebselement": "x"}}, f"{E}.reference.type"),
    ("02.01", {f"{E}.slut": t("2024-03-01", "08:00")}, f"{E}.slut"),
    ("02.02", {f"{E}.afslutningsmaade": None}, f"{E}.afslutningsmaade"),
    ("02.03", {SECOND_ELEMENT_SAME_START: True}, "forloebselementer[1].start"),
    ("02.41", {f"{E}.ansvarlig": "SOR404"}, f"{E}.ansvarlig"),
    ("02.41", {f"{E}.ansvarlig": None}, f"{E}.ansvarlig"),
    ("02.42", {f"{E}.ansvarlig": "SOROLD"}, f"{E}.ansvarlig"),
    ("02.43", {f"{E}.ansvarlig": "SOROLD"}, f"{E}.slut"),
    ("02.43", {f"{E}.ansvarlig": "SOROLD", **OLD_PATHWAY, **OPEN}, f"{E}.slut"),
    ("02.44", {f"{E}.ansvarlig": "SOROLD", **ACROSS_NEW_YEAR}, f"{E}.ansvarlig"),
    ("02.51", {f"{E}.label": "ALAL99"}, f"{E}.label"),
    ("02.55", {f"{E}.afslutningsmaade": "ALAC99"}, f"{E}.afslutningsmaade"),
    ("02.a", {f"{E}.label": "ALCA00"}, f"{E}.label"),
    ("02.a", {f"{E}.label": None}, f"{E}.label"),
    ("02.b", {f"{E}.afslutningsmaade": "ALAL01"}, f"{E}.afslutningsmaade"),
    ("04.01", {f"{M}.tidspunkt": t("2024-02-01")}, f"{M}.tidspunkt"),
    ("04.01", {f"{M}.tidspunkt": None}, f"{M}.tidspunkt"),
    ("04.02", {f"{M}.tidspunkt": t("2024-05-01")}, f"{M}.tidspunkt"),
    ("04.51", {f"{M}.kode": "AFV01A9"}, f"{M}.kode"),
    ("04.51", {f"{M}.kode": "AFV99"}, f"{M}.kode"),
    ("04.a", {f"{M}.kode": "ALAL01"}, f"{M}.kode"),
    ("06.01", {f"{H}.tidspunkt": t("2024-03-02")}, f"{H}.tidspunkt"),
    (
        "06.02",
        {f"{K}.henvisning": {**CONTACT_REFERRAL, "tidspunkt": t("2024-03-05")}},
        f"{K}.henvisning.tidspunkt",
    ),
    ("06.51", {f"{H}.aarsag": "DJ180"}, f"{H}.aarsag"),
    ("06.53", {f"{H}.maade": "ALDA99"}, f"{H}.maade"),
    ("06.59", {f"{H}.aarsag_tillaeg": ["DZ000"]}, f"{H}.aarsag_tillaeg"),
    ("06.a", {f"{H}.aarsag": "ALCA00"}, f"{H}.aarsag"),
    ("06.b", {f"{H}.maade": "ALDB00"}, f"{H}.maade"),
    ("06.c", {f"{H}.fritvalg": "ALDA00"}, f"{H}.fritvalg"),
    ("5102", {f"{K}.prioritet": "ATA1"}, f"{K}.aarsag"),
    ("5104", {f"{K}.aarsag": "ALCC01"}, f"{K}.aarsag"),
    ("5105", NO_STAY, f"{K}.opholdsadresser"),
    ("5106", {f"{K}.type": "ALCA03"}, f"{K}.opholdsadresser"),
    ("5107", {f"{K}.type": "ALCA10", **NO_STAY}, f"{K}.slut"),
    ("5107", {f"{K}.type": "ALCA10", f"{K}.prioritet": "ATA1", **NO_STAY}, f"{K}.prioritet"),
    ("5108", {f"{K}.type": "ALCA20", **NO_STAY}, f"{K}.prioritet"),
    ("5108", {f"{K}.type": "ALCA20", f"{K}.prioritet": "ATA1", **NO_STAY}, f"{K}.diagnoser"),
    ("05.11", {f"{K}.slut": t("2024-03-05", "09:00")}, f"{K}.slut"),
    ("05.12", {f"{K}.behandlingsstart": t("2024-03-05", "08:00")}, f"{K}.behandlingsstart"),
    ("05.13", {f"{K}.behandlingsstart": t("2024-03-05", "10:00")}, f"{K}.behandlingsstart"),
    ("05.14", {f"{K}.diagnoser": []}, f"{K}.diagnoser"),
    (
        "05.14",
        {f"{K}.diagnoser": [{"kode": "DJ189", "art": "A"}, {"kode": "DC509", "art": "A"}]},
        f"{K}.diagnoser",
    ),
    ("05.15", {**OPEN, f"{K}.slut": None, f"{K}.diagnoser": []}, f"{K}.diagnoser"),
    ("05.21", {f"{K}.start": t("2024-02-28")}, f"{K}.start"),
    ("05.21", {f"{K}.start": None}, f"{K}.start"),
    ("05.22", {f"{K}.slut": t("2024-04-03")}, f"{K}.slut"),
    ("05.24", {f"{K}.start": t("2024-04-03"), f"{K}.slut": t("2024-04-03", "10:00")}, f"{K}.start"),
    ("05.31", {f"{K}.slut": None}, f"{K}.slut"),
    ("05.41", {f"{K}.ansvarlig": "SOR404"}, f"{K}.ansvarlig"),
    ("05.42", {f"{K}.ansvarlig": "SOROLD"}, f"{K}.ansvarlig"),
    ("05.43", {f"{K}.ansvarlig": "SOROLD"}, f"{K}.slut"),
    ("05.44", {f"{K}.ansvarlig": "SOROLD", **ACROSS_NEW_YEAR}, f"{K}.ansvarlig"),
    ("05.51", {f"{K}.type": "ALCA99"}, f"{K}.type"),
    ("05.52", {f"{K}.type": "ALCA99", **ACROSS_NEW_YEAR}, f"{K}.slut"),
    ("05.53", {f"{K}.prioritet": "ATA9"}, f"{K}.prioritet"),
    ("05.a", {f"{K}.type": "ATA1"}, f"{K}.type"),
    ("05.b", {f"{K}.prioritet": "ATA2"}, f"{K}.prioritet"),
    ("07.51", {f"{K}.prioritet": "ATA1", f"{K}.aarsag": "ALCC99"}, f"{K}.aarsag"),
    ("07.a", {f"{K}.prioritet": "ATA1", f"{K}.aarsag": "ALCA00"}, f"{K}.aarsag"),
    ("09.01", {f"{O}.slut": t("2024-03-05", "09:00")}, f"{O}.slut"),
    ("09.02", {f"{K}.opholdsadresser": STAYS_WITH_GAP}, f"{K}.opholdsadresser[1].start"),
    ("09.12", {f"{O}.start": t("2024-03-05", "08:00")}, f"{O}.start"),
    ("09.12", {f"{O}.start": "noon"}, f"{O}.start"),
    ("09.13", {f"{O}.slut": t("2024-03-05", "11:00")}, f"{O}.slut"),
    ("09.15", {f"{O}.start": t("2024-03-05", "10:30")}, f"{O}.start"),
    ("09.16a", {f"{O}.start": t("2024-03-05", "09:10")}, f"{O}.start"),
    ("09.16b", {f"{O}.slut": t("2024-03-05", "09:50")}, f"{O}.slut"),
    # two stays without an end, one without a start either: the one with a start is the last
    ("09.16b", {f"{K}.opholdsadresser": STAYS_OPEN_ONE_WITHOUT_START}, f"{O}.slut"),
    ("09.41", {f"{O}.enhed": "SOR404"}, f"{O}.enhed"),
    ("09.42", {f"{O}.enhed": "SOROLD"}, f"{O}.enhed"),
    ("09.43", {f"{O}.enhed": "SOROLD"}, f"{O}.slut"),
    ("09.44", {f"{O}.enhed": "SOROLD", **ACROSS_NEW_YEAR}, f"{O}.enhed"),
    ("09.51", {f"{O}.enhed": DELETE, f"{O}.fravaer": "ALCF99"}, f"{O}.fravaer"),
    ("09.61", {f"{O}.fravaer": "ALCF01"}, f"{O}.enhed"),
    ("09.61", {f"{O}.enhed": None}, f"{O}.enhed"),
    ("09.a", {f"{O}.enhed": DELETE, f"{O}.fravaer": "ALAL01"}, f"{O}.fravaer"),
]

# (rule, changes that come near the rule without breaking it); the valid document itself is
# checked against every rule below.
PASSING: list[tuple[str, dict[str, Any]]] = [
    ("00.01", {f"{K}.slut": t("2024-06-01", "10:00", "+02:00"), **OPEN}),
    ("01.01", {"patient.cpr": "0103244000"}),
    ("01.01", {"patient.cpr": "010180-1AB2"}),
    ("01.11", {"patient.cpr": "2002244000"}),
    ("3101", {f"{E}.reference": {"type": "ALAA01", "forloebselement": "x", "cpr": "010180-1234"}}),
    ("03.51", {f"{E}.reference": {"type": "ALAA01", "forloebselement": "x"}}),
    ("02.02", OPEN),
    ("02.03", {SECOND_ELEMENT_SAME_START: False}),
    ("02.42", {f"{E}.ansvarlig": "SOROLD", **OLD_PATHWAY}),
    ("02.43", {f"{E}.ansvarlig": "SOROLD", **OLD_PATHWAY}),
    ("02.44", {f"{E}.ansvarlig": "SOROLD", **OLD_PATHWAY}),
    ("02.51", {f"{E}.label": "ALAL99", **ACROSS_NEW_YEAR}),
    ("02.55", {f"{E}.afslutningsmaade": "ALAC99", **OLD_PATHWAY}),
    ("04.02", {f"{M}.tidspunkt": t("2024-05-01"), **OPEN, f"{K}.slut": None}),
    ("04.51", {f"{M}.kode": "AFV01A9", **OLD_PATHWAY}),
    ("06.02", {f"{K}.henvisning": CONTACT_REFERRAL}),
    ("06.51", {f"{H}.aarsag": "DJ180", **OLD_PATHWAY}),
    ("06.59", {f"{H}.aarsag_tillaeg": ["DJ189"]}),
    ("06.a", {f"{H}.aarsag": "KJFG20"}),
    ("5102", {f"{K}.prioritet": "ATA1", f"{K}.aarsag": "ALCC01"}),
    ("5102", {f"{K}.prioritet": "ATA1", f"{K}.type": "ALCA03", **NO_STAY}),
    ("5106", {f"{K}.type": "ALCA03", **NO_STAY}),
    ("5107", {f"{K}.type": "ALCA10", f"{K}.slut": t("2024-03-05", "09:01"), **NO_STAY}),
    (
        "5108",
        {
            f"{K}.type": "ALCA20",
            f"{K}.prioritet": "ATA1",
            f"{K}.diagnoser": [{"kode": "DR99", "art": "A"}],
            **NO_STAY,
        },
    ),
    ("05.12", {f"{K}.behandlingsstart": t("2024-03-05", "09:30")}),
    ("05.13", {f"{K}.behandlingsstart": t("2024-03-05", "09:30")}),
    (
        "05.15",
        {
            **OPEN,
            f"{K}.slut": None,
            f"{K}.start": t("2024-05-20"),
            f"{K}.diagnoser": [],
            f"{O}.start": t("2024-05-20"),
            f"{O}.slut": None,
        },
    ),
    ("05.31", {**OPEN, f"{K}.slut": None, f"{O}.slut": None}),
    ("05.42", {f"{K}.ansvarlig": "SOROLD", **OLD_PATHWAY}),
    ("05.43", {f"{K}.ansvarlig": "SOROLD", **OLD_PATHWAY}),
    ("05.44", {f"{K}.ansvarlig": "SOROLD", **OLD_PATHWAY}),
    ("05.51", {f"{K}.type": "ALCA99", **OLD_PATHWAY}),
    ("05.52", {f"{K}.type": "ALCA99", **ACROSS_NEW_YEAR, f"{K}.slut": t("2023-12-31", "23:30")}),
    ("05.53", {f"{K}.prioritet": "ATA9", **OLD_PATHWAY}),
    ("07.51", {f"{K}.prioritet": "ATA1", f"{K}.aarsag": "ALCC01"}),
    ("09.02", {f"{K}.opholdsadresser": STAYS_FOLLOWING}),
    ("09.16a", {f"{K}.opholdsadresser": STAYS_FOLLOWING}),
    ("09.16b", {f"{K}.opholdsadresser": STAYS_FOLLOWING}),
    ("09.42", {f"{O}.enhed": "SOROLD", **OLD_PATHWAY}),
    ("09.43", {f"{O}.enhed": "SOROLD", **OLD_PATHWAY}),
    ("09.44", {f"{O}.enhed": "SOROLD", **OLD_PATHWAY}),
    ("09.51", {f"{O}.enhed": DELETE, f"{O}.fravaer": "ALCF01"}),
    ("09.61", {f"{O}.enhed": DELETE, f"{O}.fravaer": "ALCF01"}),
]


def build(changes: dict[str, Any]) -> dict[str, Any]:
    changes = dict(changes)
    if SECOND_ELEMENT_SAME_START in changes:
        same = changes.pop(SECOND_ELEMENT_SAME_START)
        base = with_second_element(t("2024-03-01", "08:00") if same else t("2024-03-02"))
    else:
        base = document()
    return changed(base, changes)


def _ids(cases: list[Any]) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for case in cases:
        seen[case[0]] = seen.get(case[0], 0) + 1
        ids.append(f"{case[0]}-{seen[case[0]]}")
    return ids


def my_rules() -> list[str]:
    return [r for r, entry in registry().items() if entry.info.group in GROUPS]


@pytest.mark.parametrize(("rule_id", "changes", "path"), FAILING, ids=_ids(FAILING))
def test_rule_finds_the_broken_document(rule_id: str, changes: dict[str, Any], path: str) -> None:
    assert path in broken(build(changes), rule_id)


@pytest.mark.parametrize(("rule_id", "changes"), PASSING, ids=_ids(PASSING))
def test_rule_passes_the_document_near_it(rule_id: str, changes: dict[str, Any]) -> None:
    assert broken(build(changes), rule_id) == []


@pytest.mark.parametrize("rule_id", my_rules())
def test_rule_passes_the_valid_document(rule_id: str) -> None:
    assert broken(document(), rule_id) == []


def test_every_rule_of_these_groups_has_a_failing_case() -> None:
    assert set(my_rules()) <= {case[0] for case in FAILING}


def test_a_contact_without_readable_start_breaks_the_rules_needing_it() -> None:
    doc = build({f"{K}.start": "yesterday"})
    assert f"{K}.start" in broken(doc, "05.21")
    assert f"{K}.start" in broken(doc, "00.01")


def test_an_unknown_code_breaks_its_list_and_validity_rules() -> None:
    doc = build({f"{K}.type": "XYZ"})
    assert broken(doc, "05.a") == [f"{K}.type"]
    assert broken(doc, "05.51") == [f"{K}.type"]
