"""Reads of the patient register: the one-box search, history, relatives, merges."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.choices import PatientStatus
from klinik.patients.models import (
    FormerIdentifier,
    Patient,
    PatientChange,
    PatientMerge,
    PatientNameToken,
    Relative,
)
from klinik.patients.search import ParsedQuery, QueryKind, parse_query

SEARCH_LIMIT = 20


@dataclass(frozen=True)
class PatientHit:
    pk: int
    public_id: uuid.UUID
    name: str
    cpr_display: str
    birth_date: date
    age: int
    sex: str
    unit_name: str
    is_address_protected: bool
    is_deceased: bool
    is_restricted: bool
    is_replacement_number: bool


def age_on(birth_date: date, today: date) -> int:
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def _upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# Counting a term's index range stops here: enough to tell a rare word from a common one.
_SELECTIVITY_CAP = 5_000


def _term_range(org_ids: frozenset[int], term: str) -> QuerySet[PatientNameToken]:
    tokens = PatientNameToken.objects.filter(token__gte=term, token__lt=_upper_bound(term))
    if len(org_ids) == 1:
        return tokens.filter(organisation_id=next(iter(org_ids)))
    return tokens.filter(organisation_id__in=org_ids)


def _name_matches(org_ids: frozenset[int], terms: tuple[str, ...], limit: int) -> list[int]:
    """Patient ids whose name words start with every term, in (word, name) order.

    The rarest term drives a range scan of the covering index (organisation, token,
    sort_name, patient, words); every other term is checked on the same index entry's
    `words`, so no table row is read. With one organisation the index order is the result
    order, so the database stops once `limit` rows match, without sorting. Which term is
    rarest is measured, not guessed: a capped count of each term's range ("han" matches ten
    times more rows than "kir").
    """
    drive = terms[0]
    if len(terms) > 1:
        counts = {
            term: _term_range(org_ids, term).values("pk")[:_SELECTIVITY_CAP].count()
            for term in terms
        }
        drive = min(terms, key=lambda term: (counts[term], -len(term)))
    tokens = _term_range(org_ids, drive)
    for term in terms:
        if term != drive:
            tokens = tokens.filter(words__contains=f" {term}")
    ids: list[int] = []
    # A patient can match through two words ("jens", "jensen"): fetch extra, keep the first.
    for patient_id in tokens.order_by("token", "sort_name").values_list("patient_id", flat=True)[
        : limit * 3
    ]:
        if patient_id not in ids:
            ids.append(patient_id)
            if len(ids) == limit:
                break
    return ids


def _matching_patients(actor: Actor, parsed: ParsedQuery, limit: int) -> list[Patient]:
    org_ids = actor.organisation_ids
    active = Patient.objects.filter(organisation_id__in=org_ids, status=PatientStatus.ACTIVE)
    if parsed.kind == QueryKind.IDENTIFIER:
        found = list(Patient.objects.filter(organisation_id__in=org_ids, cpr=parsed.value))
        if not found:
            former = FormerIdentifier.objects.filter(
                organisation_id__in=org_ids, identifier=parsed.value
            ).values_list("patient_id", flat=True)
            found = list(Patient.objects.filter(pk__in=list(former)))
        # A merged record leads to the record it was merged into.
        return [p.merged_into if p.merged_into_id else p for p in found][:limit]
    if parsed.kind == QueryKind.BIRTH_DATE:
        return list(
            active.filter(cpr__gte=parsed.value, cpr__lt=_upper_bound(parsed.value)).order_by(
                "sort_name"
            )[:limit]
        )
    if parsed.kind == QueryKind.PHONE:
        return list(active.filter(phone_digits=parsed.value).order_by("sort_name")[:limit])
    if parsed.kind == QueryKind.NAME:
        ids = _name_matches(org_ids, parsed.terms, limit)
        by_id = {p.pk: p for p in Patient.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]
    return []


def patient_search(
    *, actor: Actor, query: str, channel: Channel, limit: int = SEARCH_LIMIT
) -> list[PatientHit]:
    """The one-box search: CPR (with or without dash), its first six digits, phone, or names in
    any order and by prefix, Danish letters folded. One access-log entry per search."""
    require(actor, Perm.PATIENT_VIEW)
    parsed = parse_query(query)
    if parsed.kind == QueryKind.EMPTY:
        return []
    patients = _matching_patients(actor, parsed, limit)
    unit_names = _unit_names({p.unit_id for p in patients if p.unit_id})
    today = timezone.localdate()
    hits = [
        PatientHit(
            pk=p.pk,
            public_id=p.public_id,
            name=p.name,
            cpr_display=p.cpr_display,
            birth_date=p.birth_date,
            age=age_on(p.birth_date, today),
            sex=p.sex,
            unit_name=unit_names.get(p.unit_id, ""),
            is_address_protected=p.is_address_protected,
            is_deceased=p.deceased_date is not None,
            is_restricted=p.is_restricted,
            is_replacement_number=p.is_replacement_number,
        )
        for p in patients
    ]
    access_log_record(
        actor=actor,
        action=Action.SEARCH,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="patient_search",
        reason=f"{parsed.kind.value}: {len(hits)} results",
    )
    return hits


def _unit_names(unit_ids: set[int]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))


def patient_relatives(*, patient: Patient) -> QuerySet[Relative]:
    return Relative.objects.filter(patient=patient).order_by("-is_primary_contact", "name")


def patient_history(*, patient: Patient) -> QuerySet[PatientChange]:
    """Changes to the patient and to records merged into it, newest first."""
    merged = Patient.objects.filter(merged_into=patient).values_list("pk", flat=True)
    return (
        PatientChange.objects.filter(patient_id__in=[patient.pk, *merged])
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
    )


def patient_merges(*, patient: Patient) -> QuerySet[PatientMerge]:
    return (
        PatientMerge.objects.filter(target=patient)
        .select_related("source", "merged_by", "undone_by")
        .order_by("-merged_at")
    )
