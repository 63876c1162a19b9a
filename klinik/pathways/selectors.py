"""Reads: one referral with its deadlines and history, a unit's referrals, a patient's
pathways for the timeline on the patient page. Lists of patients write one access-log entry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core import rows
from klinik.core.expressions import LocalDate
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.access import access_referral
from klinik.pathways.choices import DeadlineState, ReferralStatus
from klinik.pathways.models import (
    Deadline,
    Pathway,
    PathwayLink,
    PathwayMarker,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    Task,
)
from klinik.patients.models import Patient
from klinik.records.models import Contact
from klinik.scheduling.models import Appointment
from klinik.terminology.models import SKSCode


def deadline_status(deadline: Deadline, today: date) -> str:
    """running, paused, met, met_late, breached, cancelled or waiting (not started)."""
    if deadline.state == DeadlineState.CANCELLED:
        return "cancelled"
    if deadline.state == DeadlineState.MET:
        late = (
            deadline.met_at is not None
            and deadline.due is not None
            and timezone.localdate(deadline.met_at) > deadline.due
        )
        return "met_late" if late else "met"
    if deadline.due is None:
        return "waiting"
    if deadline.is_paused:
        return "paused"
    return "breached" if deadline.due < today else "running"


@dataclass
class ReferralDetail:
    referral: Referral
    deadlines: list[Deadline]
    events: list[ReferralEvent]
    attachments: list[ReferralAttachment]
    tasks: list[Task]
    pathway: Pathway | None
    statuses: dict[int, str] = field(default_factory=dict)  # deadline id -> deadline_status


def referral_detail(*, actor: Actor, public_id: object, channel: Channel) -> ReferralDetail:
    """The referral (logged) with its deadlines, history, attachments, tasks and pathway."""
    referral = access_referral(actor=actor, public_id=public_id, channel=channel)
    deadlines = list(referral.deadlines.select_related("rule").order_by("due", "rule__code", "id"))
    today = timezone.localdate()
    return ReferralDetail(
        referral=referral,
        deadlines=deadlines,
        events=list(referral.events.select_related("by", "from_unit", "to_unit")),
        attachments=list(referral.attachments.select_related("document")),
        tasks=list(referral.tasks.select_related("assignee").order_by("-created_at")),
        pathway=referral.pathways.order_by("started_at").first(),
        statuses={d.pk: deadline_status(d, today) for d in deadlines},
    )


def referrals_for_unit(
    *,
    actor: Actor,
    unit: Unit,
    status: str = ReferralStatus.RECEIVED,
    limit: int = 200,
    channel: Channel = Channel.UI,
) -> list[Referral]:
    """The unit's referrals in a status (default: waiting for visitation), oldest first, with
    their open deadlines. One access-log entry for the list."""
    require(actor, Perm.PATHWAY_VIEW)
    if unit.organisation_id not in actor.organisation_ids:
        return []
    open_deadlines = Deadline.objects.select_related("rule").order_by("due")
    found = list(
        Referral.objects.filter(organisation_id=unit.organisation_id, unit=unit, status=status)
        .select_related("patient")
        .prefetch_related(Prefetch("deadlines", queryset=open_deadlines))
        .order_by("received_at", "id")[:limit]
    )
    patient_list_log(actor, "referral_list", len(found), channel)
    return found


@dataclass
class TimelineEntry:
    at: object  # a date or datetime
    kind: str  # referral, marker, step, appointment, end
    text: str
    detail: str = ""
    is_planned: bool = False


@dataclass
class PathwayView:
    pathway: Pathway
    entries: list[TimelineEntry]
    deadlines: list[Deadline]
    statuses: dict[int, str]

    @property
    def rows(self) -> list[tuple[Deadline, str]]:
        return [(d, self.statuses[d.pk]) for d in self.deadlines]


def patient_pathways(*, actor: Actor, patient: Patient) -> list[PathwayView]:
    """The patient's pathways, newest first, each with a timeline of its referral, markers,
    planned steps and appointments. The caller has opened the patient through access_patient
    (which logged the read); without PATHWAY_VIEW the section is empty."""
    if not actor.can(Perm.PATHWAY_VIEW) or patient.organisation_id not in actor.organisation_ids:
        return []
    if not _has_pathways(patient):  # most patients of a clinic: no queryset built at all
        return []
    pathways = list(
        Pathway.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .select_related("unit", "referral")
        .order_by("-started_at")[:20]
    )
    prefetch_related_objects(
        pathways,
        Prefetch("markers", queryset=PathwayMarker.objects.filter(removed_at__isnull=True)),
        "steps",
        Prefetch("links", queryset=PathwayLink.objects.select_related("appointment", "contact")),
        Prefetch("deadlines", queryset=Deadline.objects.select_related("rule")),
    )
    codes = {m.code for p in pathways for m in p.markers.all()}
    codes |= {p.label for p in pathways} | {p.end_mode for p in pathways}
    texts = (
        dict(SKSCode.objects.filter(code__in=codes).values_list("code", "text")) if codes else {}
    )
    today = timezone.localdate()
    return [_pathway_view(p, texts, today) for p in pathways]


def _has_pathways(patient: Patient) -> bool:
    """Whether the patient has a pathway: one indexed probe, written out (klinik.core.rows), as
    building the pathways' queryset and prefetches cost 0.6-0.8 ms even when it finds none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {rows.table(Pathway)} "  # noqa: S608  (constant SQL)
            "WHERE organisation_id = %s AND patient_id = %s LIMIT 1",
            [patient.organisation_id, patient.pk],
        )
        return cursor.fetchone() is not None


def _pathway_view(pathway: Pathway, texts: dict[str, str], today: date) -> PathwayView:
    pathway.label_text = texts.get(pathway.label, "")  # type: ignore[attr-defined]
    pathway.end_mode_text = texts.get(pathway.end_mode, "")  # type: ignore[attr-defined]
    entries: list[TimelineEntry] = []
    if pathway.referral is not None:
        entries.append(
            TimelineEntry(
                pathway.referral.received_at, "referral", "Henvisning modtaget",
                pathway.referral.referrer_name,
            )
        )  # fmt: skip
    for marker in pathway.markers.all():
        entries.append(TimelineEntry(marker.at, "marker", marker.code, texts.get(marker.code, "")))
    for step in pathway.steps.all():
        entries.append(
            TimelineEntry(
                step.done_at or step.planned_on, "step", step.title, is_planned=step.done_at is None
            )
        )
    for link in pathway.links.all():
        if link.appointment is not None:
            entries.append(TimelineEntry(link.appointment.start, "appointment", "Aftale"))
        elif link.contact is not None:
            entries.append(TimelineEntry(link.contact.started_at, "contact", "Kontakt"))
    if pathway.ended_at is not None:
        entries.append(TimelineEntry(pathway.ended_at, "end", "Forløb afsluttet", pathway.end_mode))
    entries.sort(key=lambda e: _sort_key(e.at))
    deadlines = sorted(pathway.deadlines.all(), key=lambda d: (d.due or date.max, d.pk))
    return PathwayView(
        pathway, entries, deadlines, {d.pk: deadline_status(d, today) for d in deadlines}
    )


def _sort_key(at: object) -> tuple[date, str]:
    if hasattr(at, "hour"):
        local = timezone.localtime(at)  # type: ignore[arg-type]
        return (local.date(), local.strftime("%H:%M:%S"))
    return (at, "99")  # type: ignore[return-value]


def pathway_units(*, actor: Actor) -> list[Unit]:
    """The active units of the actor's organisations, for the referral screens."""
    require(actor, Perm.PATHWAY_VIEW)
    return list(
        Unit.objects.filter(organisation_id__in=actor.organisation_ids, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def pathway_page(*, pathway: Pathway) -> PathwayView:
    """One pathway's timeline and deadlines (the caller opened it through access_pathway)."""
    pathway = (
        Pathway.objects.select_related("unit", "referral", "patient")
        .prefetch_related(
            Prefetch("markers", queryset=PathwayMarker.objects.filter(removed_at__isnull=True)),
            "steps",
            Prefetch(
                "links", queryset=PathwayLink.objects.select_related("appointment", "contact")
            ),
            Prefetch("deadlines", queryset=Deadline.objects.select_related("rule")),
        )
        .get(pk=pathway.pk)
    )
    codes = {m.code for m in pathway.markers.all()} | {pathway.label, pathway.end_mode}
    texts = dict(SKSCode.objects.filter(code__in=codes).values_list("code", "text"))
    return _pathway_view(pathway, texts, timezone.localdate())


def marker_choices() -> list[tuple[str, str]]:
    """The waiting-time markers (AFV…) the terminology knows today, for the marker field."""
    today = timezone.localdate()
    rows = (
        SKSCode.objects.filter(code__startswith="AFV", valid_from__lte=today)
        .exclude(valid_to__lt=today)
        .order_by("code")
        .values_list("code", "text")
    )
    return list(dict(rows).items())


def pathway_appointments(*, pathway: Pathway) -> list[tuple[Appointment, bool]]:
    """The patient's appointments at the pathway's organisation from its start, each with
    whether it is on the pathway already."""
    linked = set(
        PathwayLink.objects.filter(pathway=pathway, appointment__isnull=False).values_list(
            "appointment_id", flat=True
        )
    )
    appointments = (
        Appointment.objects.filter(
            organisation_id=pathway.organisation_id,
            patient_id=pathway.patient_id,
            start__gte=pathway.started_at,
        )
        .select_related("appointment_type", "unit")
        .order_by("start")[:50]
    )
    return [(a, a.pk in linked) for a in appointments]


def pathway_contacts(*, pathway: Pathway) -> list[tuple[Contact, bool]]:
    """The patient's contacts at the pathway's organisation from its start (kind, unit and
    time: the record itself is read on the record's pages), each with whether it is on the
    pathway already."""
    linked = set(
        PathwayLink.objects.filter(pathway=pathway, contact__isnull=False).values_list(
            "contact_id", flat=True
        )
    )
    contacts = (
        Contact.objects.filter(
            organisation_id=pathway.organisation_id,
            patient_id=pathway.patient_id,
            started_at__gte=pathway.started_at,
        )
        .select_related("unit")
        .order_by("started_at")[:50]
    )
    return [(c, c.pk in linked) for c in contacts]


def pathway_label_choices(*, on: date) -> list[tuple[str, str]]:
    """The pathway labels (forløbslabels, SKS ALAL…) valid on the day, as (code, "code text")
    for a choice at visitation."""
    rows = (
        SKSCode.objects.filter(code__startswith="ALAL", valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("code", "-valid_from")
        .values_list("code", "text")
    )
    labels: dict[str, str] = {}
    for code, text in rows:
        labels.setdefault(code, f"{code} {text}")
    return list(labels.items())


def lpr3_pathways(
    *, actor: Actor | None, organisation_id: int, patient_ids: list[int]
) -> list[Pathway]:
    """The patients' pathways with what LPR3 reports of them, read in bulk for reporting
    (a few queries however many patients): the unit, the referral, the markers in force
    (`lpr3_markers`) and the linked contacts' ids (`lpr3_contact_ids`). `actor`: whose read
    it is, checked and logged by the caller at the patient's door (access_patient); None for
    the system's re-validation, which shows nothing to anyone (ADR 0032)."""
    pathways = list(
        Pathway.objects.filter(organisation_id=organisation_id, patient_id__in=patient_ids)
        .select_related("unit", "referral")
        .order_by("patient_id", "started_at", "pk")
    )
    ids = [p.pk for p in pathways]
    markers: dict[int, list[PathwayMarker]] = {}
    for marker in PathwayMarker.objects.filter(
        organisation_id=organisation_id, pathway_id__in=ids, removed_at__isnull=True
    ).order_by("at", "pk"):
        markers.setdefault(marker.pathway_id, []).append(marker)
    links: dict[int, list[int]] = {}
    for pathway_id, contact_id in PathwayLink.objects.filter(
        organisation_id=organisation_id, pathway_id__in=ids, contact__isnull=False
    ).values_list("pathway_id", "contact_id"):
        links.setdefault(pathway_id, []).append(contact_id)
    for pathway in pathways:
        pathway.lpr3_markers = markers.get(pathway.pk, [])  # type: ignore[attr-defined]
        pathway.lpr3_contact_ids = links.get(pathway.pk, [])  # type: ignore[attr-defined]
    return pathways


def lpr3_patient_ids(
    *, organisation_id: int, unit_id: int | None = None, patient_id: int | None = None
) -> list[int]:
    """The patients whose LPR3 report a unit (or the organisation) answers for: those with a
    pathway there (or just `patient_id`, if so). Ids only, for the re-validation run by the
    system."""
    rows = Pathway.objects.filter(organisation_id=organisation_id)
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    if patient_id is not None:
        rows = rows.filter(patient_id=patient_id)
    return sorted(set(rows.values_list("patient_id", flat=True)))


# For reporting (DRG import, quality dashboards): ids and counts, no patient rows ------------


def pathways_by_public_ids(
    *, organisation_id: int, public_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """The organisation's pathways among the public ids: public id → (id, unit id)."""
    wanted = list(public_ids)
    found: dict[uuid.UUID, tuple[int, int]] = {}
    for start in range(0, len(wanted), 500):
        for public_id, pk, unit_id in Pathway.objects.filter(
            organisation_id=organisation_id, public_id__in=wanted[start : start + 500]
        ).values_list("public_id", "id", "unit_id"):
            found[public_id] = (pk, unit_id)
    return found


def pathway_contact_ids(*, pathway: Pathway) -> list[int]:
    """The ids of the contacts linked to the pathway."""
    return list(
        PathwayLink.objects.filter(
            organisation_id=pathway.organisation_id, pathway=pathway, contact__isnull=False
        ).values_list("contact_id", flat=True)
    )


@dataclass(frozen=True)
class RightCompliance:
    code: str  # the rule's code (udredningsret, ...)
    title: str
    kept: int  # met on or before the due date
    total: int  # fallen due in the period (paused clocks left out)

    @property
    def percent(self) -> int | None:
        return round(100 * self.kept / self.total) if self.total else None


def deadline_compliance(*, unit: Unit, first: date, last: date) -> list[RightCompliance]:
    """Per patient right, of the unit's deadlines that fell due on first..last (and before
    today), how many were met in time: the waiting overview's "share within the deadline"
    (waiting/selectors.py) per right. One grouped query."""
    last = min(last, timezone.localdate() - timedelta(days=1))
    if last < first:
        return []
    rows = (
        Deadline.objects.filter(
            organisation_id=unit.organisation_id,
            unit_id=unit.pk,
            rule__is_right=True,
            due__gte=first,
            due__lte=last,
            state__in=[DeadlineState.OPEN, DeadlineState.MET],
        )
        .exclude(state=DeadlineState.OPEN, is_paused=True)
        .annotate(met_day=LocalDate("met_at", years=(first.year - 1, last.year + 1)))
        .values("rule__code", "rule__title")
        .annotate(
            total=Count("id"),
            kept=Count("id", filter=Q(state=DeadlineState.MET, met_day__lte=F("due"))),
        )
        .order_by("rule__code")
    )
    by_code: dict[str, RightCompliance] = {}
    for row in rows:  # a rule's versions share its code: one line per right
        code = row["rule__code"]
        before = by_code.get(code)
        by_code[code] = RightCompliance(
            code,
            before.title if before else row["rule__title"],
            row["kept"] + (before.kept if before else 0),
            row["total"] + (before.total if before else 0),
        )
    return list(by_code.values())
