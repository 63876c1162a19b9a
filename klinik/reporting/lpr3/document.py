"""One patient's LPR3 report (issue 18 §3) parsed into frozen dataclasses.

Every part knows its `path` in the document (`forloebselementer[0].kontakter[2].diagnoser[0]`)
and `at(field)` names one of its fields. Parsing never refuses a bad *value*: a time that cannot
be read becomes None with the field named in `malformed` (its text stays in `raw`), a code that is
not text likewise; the rules report them (ADR 0031). Only a wrong *shape* raises DocumentError:
the document is not an object, `patient` or `forloebselementer` is missing, or a list or an
object is of the wrong kind (the endpoint answers 422 naming the field).

Naive times are read as Danish local time (Europe/Copenhagen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

DANISH_TIME = ZoneInfo("Europe/Copenhagen")

REQUIRED = ("patient", "forloebselementer")


class DocumentError(ValueError):
    """The document's shape is wrong: `field` is the path of the part that is missing or of
    the wrong kind, `message` says what was expected."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, kw_only=True)
class Part:
    path: str
    raw: Mapping[str, Any]  # the object as sent, read-only
    malformed: frozenset[str]  # fields given but unreadable (a time or code of the wrong form)

    def at(self, field: str) -> str:
        return f"{self.path}.{field}" if self.path else field


P = TypeVar("P", bound=Part)


@dataclass(frozen=True, kw_only=True)
class Patient(Part):
    cpr: str | None


@dataclass(frozen=True, kw_only=True)
class Henvisning(Part):
    tidspunkt: datetime | None
    maade: str | None  # admin.henvmaade
    aarsag: str | None  # diag / proc.*
    aarsag_tillaeg: tuple[str, ...]  # tillægskoder to the aarsag (rule 06.59)
    fritvalg: str | None  # admin.fritvalg
    instans: str | None  # the referring unit (SOR)


@dataclass(frozen=True, kw_only=True)
class Markoer(Part):
    kode: str | None
    tidspunkt: datetime | None


@dataclass(frozen=True, kw_only=True)
class Reference(Part):
    """A link from a forløbselement to another (`reference`: type from forloeb.reftype, the
    other element's id, and that element's patient's CPR when it is another patient's)."""

    type: str | None
    forloebselement: str | None
    cpr: str | None


@dataclass(frozen=True, kw_only=True)
class Opholdsadresse(Part):
    enhed: str | None  # SOR
    fravaer: str | None  # admin.fravaer, instead of a unit
    start: datetime | None
    slut: datetime | None


@dataclass(frozen=True, kw_only=True)
class Diagnose(Part):
    kode: str | None
    art: str | None  # "A" aktionsdiagnose, "B" bidiagnose
    tillaegskoder: tuple[str, ...]

    @property
    def is_aktionsdiagnose(self) -> bool:
        return self.art == "A"


@dataclass(frozen=True, kw_only=True)
class Procedure(Part):
    kode: str | None
    start: datetime | None
    slut: datetime | None
    tillaegskoder: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Kontakt(Part):
    id: str | None
    type: str | None  # admin.konttype
    prioritet: str | None  # admin.prioritet
    ansvarlig: str | None  # SOR
    start: datetime | None
    slut: datetime | None
    behandlingsstart: datetime | None
    aarsag: str | None  # admin.kontaarsag
    henvisning: Henvisning | None
    opholdsadresser: tuple[Opholdsadresse, ...]
    diagnoser: tuple[Diagnose, ...]
    procedurer: tuple[Procedure, ...]

    @cached_property
    def aktionsdiagnoser(self) -> tuple[Diagnose, ...]:
        return tuple(d for d in self.diagnoser if d.is_aktionsdiagnose)


@dataclass(frozen=True, kw_only=True)
class Forloebselement(Part):
    id: str | None
    label: str | None  # forloeb.label
    ansvarlig: str | None  # SOR
    start: datetime | None
    slut: datetime | None
    afslutningsmaade: str | None  # admin.afslutmaade
    henvisning: Henvisning | None
    reference: Reference | None
    markoerer: tuple[Markoer, ...]
    kontakter: tuple[Kontakt, ...]


@dataclass(frozen=True, kw_only=True)
class Report(Part):
    indberetningstidspunkt: datetime | None
    patient: Patient
    forloebselementer: tuple[Forloebselement, ...]

    @cached_property
    def index(self) -> Index:
        """The document's parts gathered in one walk, for the rules to share (each rule walks
        a list instead of the tree, and the code reads need no walk of their own)."""
        return Index.of(self)

    def kontakter(self) -> tuple[tuple[Forloebselement, Kontakt], ...]:
        return self.index.kontakter

    def parts(self) -> tuple[Part, ...]:
        """Every part of the document, the report itself first, in document order."""
        return self.index.parts

    def codes(self) -> frozenset[str]:
        """Every SKS code the document carries (for reading their validity in one query)."""
        return self.index.codes


@dataclass(frozen=True)
class Index:
    """A report's parts in document order, by kind (each with the parts it sits in)."""

    parts: tuple[Part, ...]
    kontakter: tuple[tuple[Forloebselement, Kontakt], ...]
    henvisninger: tuple[Henvisning, ...]  # the elements' and the contacts' referrals
    opholdsadresser: tuple[tuple[Forloebselement, Kontakt, Opholdsadresse], ...]
    diagnoser: tuple[tuple[Kontakt, Diagnose], ...]
    procedurer: tuple[tuple[Kontakt, Procedure], ...]
    codes: frozenset[str]  # every SKS code the document carries
    sor_codes: frozenset[str]  # every SOR code of a responsible unit or a stay

    @classmethod
    def of(cls, report: Report) -> Index:
        parts: list[Part] = [report, report.patient]
        kontakter: list[tuple[Forloebselement, Kontakt]] = []
        henvisninger: list[Henvisning] = []
        stays: list[tuple[Forloebselement, Kontakt, Opholdsadresse]] = []
        diagnoser: list[tuple[Kontakt, Diagnose]] = []
        procedurer: list[tuple[Kontakt, Procedure]] = []
        # Fields hold text or None: gathered as they come, None dropped at the end.
        codes: set[str | None] = set()
        sor: set[str | None] = set()
        for element in report.forloebselementer:
            parts.append(element)
            codes.update((element.label, element.afslutningsmaade))
            sor.add(element.ansvarlig)
            if element.henvisning is not None:
                parts.append(element.henvisning)
                henvisninger.append(element.henvisning)
            if element.reference is not None:
                parts.append(element.reference)
                codes.add(element.reference.type)
            parts.extend(element.markoerer)
            codes.update(m.kode for m in element.markoerer)
            for kontakt in element.kontakter:
                parts.append(kontakt)
                kontakter.append((element, kontakt))
                codes.update((kontakt.type, kontakt.prioritet, kontakt.aarsag))
                sor.add(kontakt.ansvarlig)
                if kontakt.henvisning is not None:
                    parts.append(kontakt.henvisning)
                    henvisninger.append(kontakt.henvisning)
                for ophold in kontakt.opholdsadresser:
                    parts.append(ophold)
                    stays.append((element, kontakt, ophold))
                    codes.add(ophold.fravaer)
                    sor.add(ophold.enhed)
                for diagnose in kontakt.diagnoser:
                    parts.append(diagnose)
                    diagnoser.append((kontakt, diagnose))
                    codes.add(diagnose.kode)
                    codes.update(diagnose.tillaegskoder)
                for procedure in kontakt.procedurer:
                    parts.append(procedure)
                    procedurer.append((kontakt, procedure))
                    codes.add(procedure.kode)
                    codes.update(procedure.tillaegskoder)
        for henvisning in henvisninger:
            codes.update((henvisning.maade, henvisning.aarsag, henvisning.fritvalg))
            codes.update(henvisning.aarsag_tillaeg)
        codes.discard(None)
        sor.discard(None)
        return cls(
            parts=tuple(parts),
            kontakter=tuple(kontakter),
            henvisninger=tuple(henvisninger),
            opholdsadresser=tuple(stays),
            diagnoser=tuple(diagnoser),
            procedurer=tuple(procedurer),
            # None was discarded above.
            codes=frozenset(codes),  # type: ignore[arg-type]
            sor_codes=frozenset(sor),  # type: ignore[arg-type]
        )


# Parsing -----------------------------------------------------------------------------------------


class _Reader:
    """Reads the fields of one object, noting those that are given but unreadable."""

    __slots__ = ("data", "malformed", "path")

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path
        self.malformed: set[str] = set()

    def child(self, field: str) -> str:
        return f"{self.path}.{field}" if self.path else field

    def text(self, field: str) -> str | None:
        value = self.data.get(field)
        if value is None:
            return None
        if type(value) is str:  # the common case first: this runs for every field
            return value.strip() or None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        self.malformed.add(field)
        return None

    def code(self, field: str) -> str | None:
        text = self.text(field)
        return text.upper() if text else None

    def codes(self, field: str) -> tuple[str, ...]:
        value = self.data.get(field)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.malformed.add(field)
            return ()
        return tuple(v.strip().upper() for v in value if v.strip())

    def time(self, field: str) -> datetime | None:
        value = self.data.get(field)
        if value is None or value == "":
            return None
        parsed = parse_time(value)
        if parsed is None:
            self.malformed.add(field)
        return parsed

    def objects(self, field: str) -> list[tuple[Mapping[str, Any], str]]:
        value = self.data.get(field)
        if value is None:
            return []
        if not isinstance(value, list):
            raise DocumentError(self.child(field), "expected a list")
        found: list[tuple[Mapping[str, Any], str]] = []
        base = self.child(field)
        for index, item in enumerate(value):
            path = f"{base}[{index}]"
            if not isinstance(item, dict):
                raise DocumentError(path, "expected an object")
            found.append((item, path))
        return found

    def object(self, field: str) -> tuple[Mapping[str, Any], str] | None:
        value = self.data.get(field)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise DocumentError(self.child(field), "expected an object")
        return value, self.child(field)

    def build(self, cls: type[P], fields: dict[str, Any]) -> P:
        """The part with `fields` and the common ones. Not through the dataclass's __init__:
        a frozen dataclass sets each field with object.__setattr__, which for the ~1,400 parts
        of a patient's year cost more than reading them. The parsers name every field
        (test_engine checks it on a document with every optional part)."""
        fields["path"] = self.path
        fields["raw"] = MappingProxyType(self.data)  # a view: the parsed JSON is not shared
        fields["malformed"] = frozenset(self.malformed) if self.malformed else _NONE
        part = object.__new__(cls)
        part.__dict__.update(fields)
        return part


_NONE: frozenset[str] = frozenset()


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time, naive ones in Danish time; None if it cannot be read."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=DANISH_TIME)
    return parsed


def parse_report(document: object) -> Report:
    """The report of one patient, or DocumentError if its shape is wrong."""
    if not isinstance(document, dict):
        raise DocumentError("document", "expected a JSON object")
    for field in REQUIRED:
        if document.get(field) is None:
            raise DocumentError(field, "missing")
    r = _Reader(document, "")
    patient = r.object("patient")
    assert patient is not None  # checked above
    indberetningstidspunkt = r.time("indberetningstidspunkt")
    elements = tuple(_element(data, path) for data, path in r.objects("forloebselementer"))
    return r.build(
        Report,
        {
            "indberetningstidspunkt": indberetningstidspunkt,
            "patient": _patient(*patient),
            "forloebselementer": elements,
        },
    )


def _patient(data: Mapping[str, Any], path: str) -> Patient:
    r = _Reader(data, path)
    return r.build(Patient, {"cpr": r.text("cpr")})


def _henvisning(data: Mapping[str, Any], path: str) -> Henvisning:
    r = _Reader(data, path)
    return r.build(
        Henvisning,
        {
            "tidspunkt": r.time("tidspunkt"),
            "maade": r.code("maade"),
            "aarsag": r.code("aarsag"),
            "aarsag_tillaeg": r.codes("aarsag_tillaeg"),
            "fritvalg": r.code("fritvalg"),
            "instans": r.text("instans"),
        },
    )


def _element(data: Mapping[str, Any], path: str) -> Forloebselement:
    r = _Reader(data, path)
    henvisning = r.object("henvisning")
    reference = r.object("reference")
    fields: dict[str, Any] = {
        "id": r.text("id"),
        "label": r.code("label"),
        "ansvarlig": r.text("ansvarlig"),
        "start": r.time("start"),
        "slut": r.time("slut"),
        "afslutningsmaade": r.code("afslutningsmaade"),
        "henvisning": _henvisning(*henvisning) if henvisning else None,
        "reference": _reference(*reference) if reference else None,
        "markoerer": tuple(_markoer(d, p) for d, p in r.objects("markoerer")),
        "kontakter": tuple(_kontakt(d, p) for d, p in r.objects("kontakter")),
    }
    return r.build(Forloebselement, fields)


def _reference(data: Mapping[str, Any], path: str) -> Reference:
    r = _Reader(data, path)
    return r.build(
        Reference,
        {
            "type": r.code("type"),
            "forloebselement": r.text("forloebselement"),
            "cpr": r.text("cpr"),
        },
    )


def _markoer(data: Mapping[str, Any], path: str) -> Markoer:
    r = _Reader(data, path)
    return r.build(Markoer, {"kode": r.code("kode"), "tidspunkt": r.time("tidspunkt")})


def _kontakt(data: Mapping[str, Any], path: str) -> Kontakt:
    r = _Reader(data, path)
    henvisning = r.object("henvisning")
    fields: dict[str, Any] = {
        "id": r.text("id"),
        "type": r.code("type"),
        "prioritet": r.code("prioritet"),
        "ansvarlig": r.text("ansvarlig"),
        "start": r.time("start"),
        "slut": r.time("slut"),
        "behandlingsstart": r.time("behandlingsstart"),
        "aarsag": r.code("aarsag"),
        "henvisning": _henvisning(*henvisning) if henvisning else None,
        "opholdsadresser": tuple(_ophold(d, p) for d, p in r.objects("opholdsadresser")),
        "diagnoser": tuple(_diagnose(d, p) for d, p in r.objects("diagnoser")),
        "procedurer": tuple(_procedure(d, p) for d, p in r.objects("procedurer")),
    }
    return r.build(Kontakt, fields)


def _ophold(data: Mapping[str, Any], path: str) -> Opholdsadresse:
    r = _Reader(data, path)
    return r.build(
        Opholdsadresse,
        {
            "enhed": r.text("enhed"),
            "fravaer": r.code("fravaer"),
            "start": r.time("start"),
            "slut": r.time("slut"),
        },
    )


def _diagnose(data: Mapping[str, Any], path: str) -> Diagnose:
    r = _Reader(data, path)
    return r.build(
        Diagnose,
        {"kode": r.code("kode"), "art": r.code("art"), "tillaegskoder": r.codes("tillaegskoder")},
    )


def _procedure(data: Mapping[str, Any], path: str) -> Procedure:
    r = _Reader(data, path)
    return r.build(
        Procedure,
        {
            "kode": r.code("kode"),
            "start": r.time("start"),
            "slut": r.time("slut"),
            "tillaegskoder": r.codes("tillaegskoder"),
        },
    )
