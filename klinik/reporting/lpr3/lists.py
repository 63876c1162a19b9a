"""The LPR3 code lists (kodelister) the business rules name, as data.

SDS publishes each list as a set of SKS codes (ART-DECOR value sets, `data/lpr3-valueset-oids.csv`);
the schematron export we have lists almost none of their concepts (`TODO` upstream), so each list
is defined here by the SKS prefixes (and single codes) its members share, as the SKS hierarchy
puts them (shared domain README §2.1, §3.2, §3.5). Membership says only "this code belongs to the
list"; whether the code exists and is valid at a time is the SKS validity rules' job (ctx.sks).

Codes marked "to confirm" are taken from LPR3 guidance as remembered, not from a file we hold;
check them against SKScomplete.txt when it is imported.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeList:
    name: str  # the LPR3 name, e.g. "admin.konttype"
    prefixes: tuple[str, ...]  # a code belongs if it starts with one of these…
    codes: frozenset[str] = frozenset()  # …or is one of these
    source: str = ""  # where the definition comes from (value set OID, README section)

    def __contains__(self, code: object) -> bool:
        # str.startswith takes the tuple of prefixes (and () matches nothing).
        return isinstance(code, str) and (code in self.codes or code.startswith(self.prefixes))


_LISTS = (
    CodeList(
        "forloeb.label",
        ("ALAL",),
        source="DKClinicalThemeCodes 1.2.208.176.2.4.2 (ALAL01 Kræftsygdomme); README §3.2",
    ),
    CodeList(
        "forloeb.reftype",
        ("ALAA",),
        source="DKEpisodeOfCareReferenceCodes 1.2.208.176.2.4.1 (ALAA01 henvist i samme "
        "sygdomsforløb); README §3.2",
    ),
    CodeList(
        "forloeb.reftype.sammepatient",
        (),
        frozenset({"ALAA01"}),
        source="the reference types linking elements of the same patient (rule 3101): ALAA01 "
        "henvist i samme sygdomsforløb (README §3.2); the types linking two patients (rule "
        "3102, e.g. mother and child) are in no source we hold",
    ),
    CodeList(
        "forloeb.markoer",
        ("AFV", "AFB"),
        source="DKEpisodeOfCareMarkerCodes 1.2.208.176.2.4.4; README §3.5 (AFV… waiting-time "
        "markers, AFB… pakkeforløb markers)",
    ),
    CodeList(
        "admin.afslutmaade",
        ("ALAC",),
        source="DKEpisodeOfCareCompletionCodes 1.2.208.176.2.4.3 (ALAC70); README §3.2",
    ),
    CodeList(
        "admin.henvmaade",
        ("ALDA",),
        source="DKReferralOriginCodes 1.2.208.176.2.4.5 (ALDA11 akutordning); README §3.2",
    ),
    CodeList(
        "admin.fritvalg",
        ("ALDB",),
        source="DKRightToChooseHospitalCodes 1.2.208.176.2.4.6 (ALDB00); README §3.2",
    ),
    CodeList(
        "admin.konttype",
        ("ALCA",),
        source="DKEncounterCodes 1.2.208.176.2.4.7 (ALCA00, ALCA03); README §3.2",
    ),
    CodeList(
        "admin.prioritet",
        (),
        frozenset({"ATA1", "ATA3"}),
        source="DKPriorityCodes 1.2.208.176.2.4.8 (ATA1 akut, ATA3 planlagt); README §3.2",
    ),
    CodeList(
        "admin.prioritet.plan",
        (),
        frozenset({"ATA3"}),
        source="the planned priorities of admin.prioritet (rule 5107)",
    ),
    CodeList(
        "admin.prioritet.akut",
        (),
        frozenset({"ATA1"}),
        source="the acute priorities of admin.prioritet (rules 5102, 5108)",
    ),
    CodeList(
        "admin.kontaarsag",
        ("ALCC",),
        source="DKEncounterReasonCodes 1.2.208.176.2.4.9 (ALCC01); README §3.2",
    ),
    CodeList(
        "admin.fravaer",
        ("ALCF",),
        source="DKAbsenceCodes 1.2.208.176.2.4.10 (ALCF01 Orlov, ALCF02); README §3.2",
    ),
    CodeList(
        "admin.diagart",
        (),
        frozenset({"A", "B"}),
        source="DKConditionObservationKindCodes 1.2.208.176.2.4.11 (the document's `art`: "
        "A aktionsdiagnose, B bidiagnose)",
    ),
    CodeList(
        "diag",
        ("D",),
        source="DKConditionObservationPrimaryCodes 1.2.208.176.2.4.12: the SKS D register "
        "(Danish ICD-10); README §2.1",
    ),
    CodeList(
        "proc.act",
        ("B", "M", "N", "W", "Z"),
        source="DKProcedureActPrimaryCodes 1.2.208.176.2.4.19: treatment (B), drugs (M), "
        "anaesthesia/intensive (N), clinical physiology (W), other procedures (Z); README §2.1",
    ),
    CodeList(
        "proc.opr",
        ("K",),
        source="DKProcedureProcedurePrimaryCodes 1.2.208.176.2.4.20: operations (NCSP, K)",
    ),
    CodeList(
        "proc.und",
        ("U",),
        source="DKProcedureObservationPrimaryCodes 1.2.208.176.2.4.21: examinations (U)",
    ),
    CodeList(
        "admin.personale",
        ("AP",),
        source="DKStaffCategoryCodes 1.2.208.176.2.4.25 (APBA1, APFE2); README §2.1",
    ),
)

LISTS: dict[str, CodeList] = {code_list.name: code_list for code_list in _LISTS}

# Single codes the rules name.
FYSISK_FREMMOEDE = "ALCA00"  # kontakttype "fysisk fremmøde" (README §3.2)
VIRTUEL_KONTAKT = "ALCA03"  # kontakttype "virtuel kontakt" (README §3.2)
DIAGNOSEINDBERETNING = "ALCA10"  # kontakttype "diagnoseindberetning" (to confirm)
DOED = "ALCA20"  # kontakttype "død" (to confirm)
# Aktionsdiagnoser for the state "død" (rule 5108): ICD-10 R96-R99, sudden / unattended death and
# unknown cause (to confirm against the LPR3 guidance's list).
DOED_DIAGNOSE_PREFIXES = ("DR96", "DR98", "DR99")

# Groups of diagnosis codes the DIAGNOSE rules name (rules/diagnosis.py). SDS keeps them as lists
# inside its rule engine, not as value sets; they are defined here by the ICD-10 blocks the rule
# texts describe (an SKS diagnosis code is "D" + the ICD-10 code, README §2.1). The blocks' Danish
# titles were checked in hl7dk/dk-sks-terminology-automation `fhir/CodeSystem-icd10-da.json`
# (generated from SKScomplete.txt); that SDS's lists are exactly these blocks is to confirm.
_DIAGNOSIS_GROUPS = (
    CodeList(
        "diag.foedsel.mor",
        ("DO80", "DO81", "DO82", "DO83", "DO84"),
        source="the mother's birth diagnoses (rules 12.03.103, 12105): ICD-10 "
        "O80-O84, 'Spontan enkeltfødsel' to 'Flerfoldsfødsel'",
    ),
    CodeList(
        "diag.foedsel.barn",
        ("DZ38",),
        source="the live-born child's birth diagnoses (rules 12.03.105, 12104): ICD-10 Z38 "
        "'Levendefødt barn efter fødested'",
    ),
    CodeList(
        "diag.doedfoedt",
        ("DP95",),
        source="the stillborn child's diagnosis (rule 12.03.106): ICD-10 P95 "
        "'Fosterdød og dødfødt barn uden kendt årsag'",
    ),
    CodeList(
        "diag.doed",
        DOED_DIAGNOSE_PREFIXES,
        source="the diagnoses for a dead patient (rules 5108, 12.03.109): DOED_DIAGNOSE_PREFIXES",
    ),
    CodeList(
        "diag.dxdy",
        ("DX", "DY"),
        source="the DX and DY codes (rules 12.107a/b): ICD-10 chapter XX external causes, "
        "X and Y blocks",
    ),
    CodeList(
        "diag.kraeft.metastase",
        ("DC77", "DC78", "DC79"),
        source="metastasis diagnoses (rules 12109, 12.109a): ICD-10 C77-C79 ('Metastaser …')",
    ),
    CodeList(
        "diag.kraeft.primaer",
        (
            "DC0",
            "DC1",
            "DC2",
            "DC3",
            "DC4",
            "DC5",
            "DC6",
            *(f"DC7{d}" for d in range(7)),
            "DC8",
            "DC9",
        ),
        source="primary cancer diagnoses (rules 12109, 12.109a): ICD-10 C00-C76 and C80-C97, "
        "the malignant neoplasms except the secondary ones (C77-C79)",
    ),
)
LISTS.update({code_list.name: code_list for code_list in _DIAGNOSIS_GROUPS})
