"""Reads of the patient register: the one-box search, history, relatives, merges, and the
records kept past the retention period."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, Field, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core import rows
from klinik.core.hooks import hook_items
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.choices import PatientStatus
from klinik.patients.hooks import RECORD_ENTRY_DATES, RecordEntryDate
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


# The search runs on every keystroke pause of every desk, so its statements are written out
# once (klinik.core.rows): building and compiling the equivalent querysets costs more than
# running them.

# Counting a term's index range stops here: enough to tell a rare word from a common one.
_SELECTIVITY_CAP = 5_000
# When every term is that common, each is tried as the driver over this many index entries
# before one is scanned to the end.
_PROBE_ROWS = 5_000
_Param = int | str | date  # what the hand-written statements here are given


def _in(column: str, values: Iterable[_Param]) -> tuple[str, list[_Param]]:
    """`column = %s`, or `column IN (...)` for several values (one value keeps the index
    order the result order on every planner)."""
    listed = list(values)
    if len(listed) == 1:
        return f"{column} = %s", listed
    return f"{column} IN ({', '.join(['%s'] * len(listed))})", listed


def _fetch(sql: str, params: list[_Param]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found: list[tuple[Any, ...]] = cursor.fetchall()
    return found


def _token_range(org_ids: frozenset[int], term: str) -> tuple[str, list[_Param]]:
    """The WHERE clause of one term's range in the name-token index."""
    orgs, params = _in("organisation_id", sorted(org_ids))
    return f"{orgs} AND token >= %s AND token < %s", [*params, term, _upper_bound(term)]


def _term_count(org_ids: frozenset[int], term: str) -> int:
    where, params = _token_range(org_ids, term)
    table = rows.table(PatientNameToken)
    sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT %s) capped"  # noqa: S608  (constant SQL)
    return int(_fetch(sql, [*params, _SELECTIVITY_CAP])[0][0])


def _drive_sql(
    org_ids: frozenset[int], drive: str, others: list[str], fetch: int, probe: int | None
) -> tuple[str, list[_Param]]:
    """Patient ids whose tokens start with `drive` and whose words hold the other terms, in
    (token, name) order; with `probe`, only among the first `probe` entries of the range."""
    where, params = _token_range(org_ids, drive)
    table = rows.table(PatientNameToken)
    order = "ORDER BY token, sort_name"
    # Terms are folded words ([a-z0-9]), so nothing in them needs escaping for LIKE.
    words = ["words LIKE %s" for _ in others]
    likes = [f"% {term}%" for term in others]
    if probe is None:
        condition = " AND ".join([where, *words])
        sql = f"SELECT patient_id FROM {table} WHERE {condition} {order} LIMIT %s"  # noqa: S608
        return sql, [*params, *likes, fetch]
    sql = (
        "SELECT patient_id FROM ("  # noqa: S608  (constant SQL)
        f"SELECT patient_id, token, sort_name, words FROM {table} WHERE {where} {order} LIMIT %s"
        f") probed WHERE {' AND '.join(words)} {order} LIMIT %s"
    )
    return sql, [*params, probe, *likes, fetch]


def _name_matches(org_ids: frozenset[int], terms: tuple[str, ...], limit: int) -> list[int]:
    """Patient ids whose name words start with every term, in (word, name) order.

    The rarest term drives a range scan of the covering index (organisation, token,
    sort_name, patient, words); every other term is checked on the same index entry's
    `words`, so no table row is read. With one organisation the index order is the result
    order, so the database stops once enough rows match, without sorting. Which term is
    rarest is measured, not guessed: a capped count of each term's range ("han" matches ten
    times more rows than "kir"). When every term is too common to tell ("jensen ole"), how
    soon the matches come in decides: the terms are tried in turn over the first entries of
    their ranges, and the first that yields enough patients there gives the result (the same
    result a full scan from it would give); only if none does is a range scanned to its end.
    """
    # A patient can match through two words ("jens", "jensen"): fetch extra, keep the first.
    fetch = limit * 3
    order = list(terms)
    if len(terms) > 1:
        counts = {term: _term_count(org_ids, term) for term in terms}
        order.sort(key=lambda term: (counts[term], -len(term)))
        if counts[order[0]] >= _SELECTIVITY_CAP:
            for drive in order:
                others = [term for term in terms if term != drive]
                found = _fetch(*_drive_sql(org_ids, drive, others, fetch, _PROBE_ROWS))
                # The probe's rows begin the full scan's: enough of them, or enough patients
                # among them, and a full scan would answer the same.
                ids = _first_unique(found, limit)
                if len(found) == fetch or len(ids) == limit:
                    return ids
    drive = order[0]
    others = [term for term in terms if term != drive]
    return _first_unique(_fetch(*_drive_sql(org_ids, drive, others, fetch, None)), limit)


def _first_unique(found: list[tuple[Any, ...]], limit: int) -> list[int]:
    ids: list[int] = []
    for (patient_id,) in found:
        if patient_id not in ids:
            ids.append(patient_id)
            if len(ids) == limit:
                break
    return ids


# What a search hit shows, read with the unit's name in one statement.
def _column_field(name: str) -> Field[Any, Any]:
    field = Patient._meta.get_field(name)
    assert isinstance(field, Field)  # a column, not a reverse relation
    return field


_HIT_FIELDS: tuple[Field[Any, Any], ...] = tuple(
    _column_field(name)
    for name in (
        "id",
        "public_id",
        "organisation",
        "unit",
        "status",
        "merged_into",
        "identifier_kind",
        "cpr",
        "birth_date",
        "sex",
        "given_name",
        "family_name",
        "is_address_protected",
        "deceased_date",
        "is_restricted",
    )
)


@dataclass(frozen=True)
class _Found:
    patient: Patient  # only the _HIT_FIELDS are loaded
    unit_name: str


def _patients_where(
    condition: str, params: list[_Param], *, order: str = "", limit: int | None = None
) -> list[_Found]:
    """Patients (with their unit's name) matching a condition on the patient table `p`."""
    sql = (
        f"SELECT {rows.columns(_HIT_FIELDS, 'p')}, u.name "  # noqa: S608  (constant SQL)
        f"FROM {rows.table(Patient)} p LEFT JOIN {rows.table(Unit)} u ON u.id = p.unit_id "
        f"WHERE {condition}"
    )
    if order:
        sql += f" ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT %s"
        params = [*params, limit]
    names = [f.attname for f in _HIT_FIELDS]
    fetched = _fetch(sql, params)
    converted = rows.converted_rows(_HIT_FIELDS, [row[:-1] for row in fetched])
    return [
        _Found(Patient.from_db(connection.alias, names, values), row[-1] or "")
        for row, values in zip(fetched, converted, strict=True)
    ]


def _patients_by_id(ids: list[int]) -> dict[int, _Found]:
    if not ids:
        return {}
    condition, params = _in("p.id", ids)
    return {f.patient.pk: f for f in _patients_where(condition, params)}


def _matching_patients(actor: Actor, parsed: ParsedQuery, limit: int) -> list[_Found]:
    in_orgs, org_params = _in("p.organisation_id", sorted(actor.organisation_ids))
    active = f"{in_orgs} AND p.status = %s"
    active_params = [*org_params, PatientStatus.ACTIVE.value]
    if parsed.kind == QueryKind.IDENTIFIER:
        found = _patients_where(f"{in_orgs} AND p.cpr = %s", [*org_params, parsed.value])
        if not found:
            former = list(
                FormerIdentifier.objects.filter(
                    organisation_id__in=actor.organisation_ids, identifier=parsed.value
                ).values_list("patient_id", flat=True)
            )
            by_id = _patients_by_id(former)
            found = [by_id[i] for i in former if i in by_id]
        # A merged record leads to the record it was merged into.
        targets = _patients_by_id(
            [f.patient.merged_into_id for f in found if f.patient.merged_into_id]
        )
        return [
            targets[f.patient.merged_into_id] if f.patient.merged_into_id else f for f in found
        ][:limit]
    if parsed.kind == QueryKind.BIRTH_DATE:
        condition = "p.cpr >= %s AND p.cpr < %s"
        params: list[_Param] = [parsed.value, _upper_bound(parsed.value)]
        if parsed.year is not None:  # the century typed: the CPR prefix alone does not say it
            day, month = int(parsed.value[:2]), int(parsed.value[2:4])
            condition += " AND p.birth_date = %s"
            params.append(date(parsed.year, month, day))
        if parsed.phone:  # eight digits may as well be a phone number
            condition = f"({condition}) OR p.phone_digits = %s"
            params.append(parsed.phone)
        return _patients_where(
            f"{active} AND ({condition})",
            [*active_params, *params],
            order="p.sort_name",
            limit=limit,
        )
    if parsed.kind == QueryKind.PHONE:
        return _patients_where(
            f"{active} AND p.phone_digits = %s",
            [*active_params, parsed.value],
            order="p.sort_name",
            limit=limit,
        )
    if parsed.kind == QueryKind.NAME:
        ids = _name_matches(actor.organisation_ids, parsed.terms, limit)
        by_id = _patients_by_id(ids)
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
            unit_name=found.unit_name if p.unit_id else "",
            is_address_protected=p.is_address_protected,
            is_deceased=p.deceased_date is not None,
            is_restricted=p.is_restricted,
            is_replacement_number=p.is_replacement_number,
        )
        for found in _matching_patients(actor, parsed, limit)
        for p in (found.patient,)
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


@dataclass(frozen=True)
class PatientLabel:
    """What a list shows beside a row: the name and the CPR number."""

    pk: int
    public_id: uuid.UUID
    name: str
    cpr_display: str


def patient_labels(*, actor: Actor, ids: Iterable[int]) -> dict[int, PatientLabel]:
    """Names and CPR numbers of a list's patients (a work-queue page) in one query, within the
    actor's organisations. The list's own selector logs the read once (ADR 0015)."""
    wanted = {i for i in ids if i is not None}
    if not wanted or not actor.organisation_ids:
        return {}
    found = Patient.objects.filter(organisation_id__in=actor.organisation_ids, pk__in=wanted).only(
        "pk", "public_id", "given_name", "family_name", "cpr"
    )
    return {p.pk: PatientLabel(p.pk, p.public_id, p.name, p.cpr_display) for p in found}


def patient_relatives(*, patient: Patient) -> QuerySet[Relative]:
    return Relative.objects.filter(patient=patient).order_by("-is_primary_contact", "name")


def patient_record_ids(*, patient: Patient) -> list[int]:
    """The patient and every patient merged into it (a merge of a merge too): rows that stay
    where they were written on a merge (the journal is never edited) are read through these."""
    ids, frontier = [patient.pk], [patient.pk]
    while frontier:
        frontier = list(
            Patient.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def patient_history(*, patient: Patient) -> QuerySet[PatientChange]:
    """Changes to the patient and to records merged into it, newest first."""
    return (
        PatientChange.objects.filter(patient_id__in=patient_record_ids(patient=patient))
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
    )


def patient_merges(*, patient: Patient) -> QuerySet[PatientMerge]:
    return (
        PatientMerge.objects.filter(target=patient)
        .select_related("source", "merged_by", "undone_by")
        .order_by("-merged_at")
    )


# Retention ------------------------------------------------------------------------------------
# Journalføringsbekendtgørelsen of 1 July 2021 (under autorisationsloven kap. 6; VEJ 9524 cites
# it as BEK nr. 1225 af 8/6/2021): the record is kept at least ten years from its latest entry,
# also after the patient's death (sundhed.dk "Journalføring"; shared domain notes §7.1). Klinik
# reports the records past that limit to a manager and deletes nothing (ADR 0017).

RETENTION_YEARS = 10


@dataclass(frozen=True)
class RetentionRow:
    public_id: uuid.UUID
    name: str
    sort_name: str
    cpr_masked: str  # the birth date part only, as managers see CPR numbers
    last_entry: date  # the record's latest entry, or the registration when it holds none
    deletable_from: date  # the first day on which ten full years have passed
    deceased_date: date | None


def years_after(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February falls on 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_deletable_from(last_entry: date) -> date:
    """The day after the tenth anniversary: by then ten full years have passed, whatever the
    time of day of the entry."""
    return years_after(last_entry, RETENTION_YEARS) + timedelta(days=1)


def retention_cutoff(today: date) -> datetime:
    """A record whose latest entry lies before this moment (local midnight, about ten years
    before `today`) may be deleted today. Found from `retention_deletable_from` itself, so the
    two agree around 29 February too."""
    day = years_after(today, -RETENTION_YEARS)
    while retention_deletable_from(day) <= today:
        day += timedelta(days=1)
    while retention_deletable_from(day - timedelta(days=1)) > today:
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time()), timezone.get_default_timezone())


def _entered(item: RecordEntryDate, organisation_id: int) -> QuerySet[Any]:
    model = apps.get_model(item.model)
    return model._default_manager.filter(  # type: ignore[no-any-return]
        organisation_id=organisation_id, **{f"{item.field}__isnull": False}
    ).order_by()


# Below every real moment: stands for "no row of this kind", as NULL would make SQLite's
# MAX(a, b) NULL (PostgreSQL's GREATEST skips it).
_NEVER = datetime(1, 1, 2, tzinfo=UTC)


def _with_last_entries(
    patients: QuerySet[Patient], organisation_id: int, items: tuple[RecordEntryDate, ...]
) -> list[tuple[Any, ...]]:
    """(pk, merged into, latest record row or registration, *_RETENTION_FIELDS) per patient:
    one query, each kind of row a correlated subquery on its (organisation, patient, ...)
    index, the latest of them taken by the database."""
    latest: list[Any] = [
        Coalesce(
            Subquery(
                _entered(item, organisation_id)
                .filter(**{item.patient: OuterRef("pk")})
                .order_by(f"-{item.field}")
                .values(item.field)[:1]
            ),
            Value(_NEVER),
            output_field=DateTimeField(),
        )
        for item in items
    ]
    last = latest[0] if len(latest) == 1 else Greatest(*latest) if latest else Value(_NEVER)
    found = patients.annotate(last_entered=last).values_list(
        "pk", "merged_into_id", "last_entered", "created_at", *_RETENTION_FIELDS
    )
    # A record with no rows counts from the patient's registration.
    return [
        (pk, into, created if entered <= _NEVER else entered, *rest)
        for pk, into, entered, created, *rest in found
    ]


_RETENTION_FIELDS = (
    "public_id",
    "given_name",
    "family_name",
    "sort_name",
    "cpr",
    "deceased_date",
)


def _merged_last_moments(
    organisation_id: int, items: tuple[RecordEntryDate, ...]
) -> dict[int, datetime]:
    """Records merged into another stay where they were written and are read through the
    surviving patient (ADR 0011): the survivor's last entry is the latest of them all."""
    merged = Patient.objects.filter(organisation_id=organisation_id, merged_into__isnull=False)
    found = _with_last_entries(merged, organisation_id, items)
    into = {row[0]: row[1] for row in found}
    latest: dict[int, datetime] = {}
    for row in found:
        survivor, seen = row[1], {row[0]}
        while survivor in into and survivor not in seen:  # a merge of a merge
            seen.add(survivor)
            survivor = into[survivor]
        latest[survivor] = max(row[2], latest.get(survivor, row[2]))
    return latest


def patients_past_retention(
    *, actor: Actor, channel: Channel, action: Action = Action.VIEW
) -> list[RetentionRow]:
    """The patients of the actor's organisation whose record's latest entry is more than ten
    years old, oldest first. A report: nothing is deleted. One access-log entry for the list
    (`action` EXPORT when it is written to a file)."""
    require(actor, Perm.REPORT_RETENTION)
    if actor.organisation is None:
        return []
    organisation_id = actor.organisation.pk
    today = timezone.localdate()
    cutoff = retention_cutoff(today)
    items = hook_items(RECORD_ENTRY_DATES)
    with transaction.atomic():
        patients = Patient.objects.filter(
            organisation_id=organisation_id, status=PatientStatus.ACTIVE
        )
        for item in items:  # no row of any kind entered since the cutoff
            patients = patients.exclude(
                Exists(
                    _entered(item, organisation_id).filter(
                        **{item.patient: OuterRef("pk"), f"{item.field}__gte": cutoff}
                    )
                )
            )
        merged = _merged_last_moments(organisation_id, items)
        found = []
        for row in _with_last_entries(patients, organisation_id, items):
            moment = max(row[2], merged.get(row[0], row[2]))
            if moment >= cutoff:  # registered, or merged with a record, after the cutoff
                continue
            public_id, given, family, sort_name, cpr, deceased = row[3:]
            last_entry = timezone.localtime(moment).date()
            found.append(
                RetentionRow(
                    public_id=public_id,
                    name=f"{given} {family}",
                    sort_name=sort_name,
                    cpr_masked=f"{cpr[:6]}-····",
                    last_entry=last_entry,
                    deletable_from=retention_deletable_from(last_entry),
                    deceased_date=deceased,
                )
            )
        found.sort(key=lambda r: (r.last_entry, r.sort_name))
        access_log_record(
            actor=actor,
            action=action,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="retention_report",
            reason=f"{len(found)} rows",
        )
    return found
