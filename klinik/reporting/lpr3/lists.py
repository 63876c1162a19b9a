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
        return isinstance(code, str) and (
            code in self.codes or any(code.startswith(p) for p in self.prefixes)
        )


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
