"""Referrals, visitation, pathway markers and the deadline engine over REST (issue 14 items 4
and 8). Names of endpoints and fields are the issue's contract."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from django.http import Http404
from ninja import Field, Router, Schema

from klinik.api.types import ApiDate, ApiDateTime
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm
from klinik.pathways import engine
from klinik.pathways.access import access_pathway, access_referral
from klinik.pathways.choices import ClinicalArea, DayUnit, ReferralMode, ReferralPriority
from klinik.pathways.pathway_services import pathway_marker_add
from klinik.pathways.referral_services import referral_receive, referral_visitate
from klinik.pathways.rules import rule_for, rules_all
from klinik.pathways.selectors import referral_detail
from klinik.patients.access import access_patient

router = Router(tags=["pathways"])


# The deadline engine ---------------------------------------------------------------------------


class WorkingDaysOut(Schema):
    start: date
    days: int
    date: date


@router.get("/working-days", response=WorkingDaysOut, summary="Add working days to a date")
def working_days(
    request: ApiRequest, start: ApiDate, days: Annotated[int, Field(ge=0, le=3650)]
) -> WorkingDaysOut:
    """`days` Danish working days (hverdage) after `start`, counted from the day after."""
    return WorkingDaysOut(start=start, days=days, date=engine.working_days_add(start, days))


class DeadlineCalcOut(Schema):
    rule: str
    start: date
    due: date


@router.get("/deadlines", response=DeadlineCalcOut, summary="A rule's due date from a start")
def deadline_calculate(
    request: ApiRequest, rule: str, start: ApiDate, area: ClinicalArea = ClinicalArea.SOMATIC
) -> DeadlineCalcOut:
    """The due date of `rule` for a clock started on `start` (the version of the rule valid
    on that day; `area` picks between somatic and psychiatric rows)."""
    found = rule_for(rule, received=start, area=area)
    return DeadlineCalcOut(
        rule=found.code, start=start, due=engine.due_date(start, found.length, found.day_unit)
    )


class DeadlineRuleOut(Schema):
    code: str
    title: str
    length: int
    unit: DayUnit
    valid_from: date
    valid_to: date | None
    applies_when: str
    starts_from: str
    met_by: list[str]
    brought_by: list[str]
    creates_task: str
    source: str
    source_url: str


@router.get("/deadline-rules", response=list[DeadlineRuleOut], summary="The deadline rules")
def deadline_rules(request: ApiRequest) -> list[DeadlineRuleOut]:
    return [
        DeadlineRuleOut(
            code=r.code,
            title=r.title,
            length=r.length,
            unit=DayUnit(r.day_unit),
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            applies_when=r.applies_when,
            starts_from=r.starts_from,
            met_by=[c for c in r.met_by.split(",") if c],
            brought_by=[c for c in r.brought_by.split(",") if c],
            creates_task=r.task_title,
            source=r.source_text,
            source_url=r.source_url,
        )
        for r in rules_all()
    ]


# Referrals -------------------------------------------------------------------------------------


class ReferrerIn(Schema):
    name: str = Field(..., max_length=200)
    sor: str = Field(default="", max_length=20)
    ydernummer: str = Field(default="", max_length=7)


class ReferralIn(Schema):
    patient: uuid.UUID
    unit: uuid.UUID
    received_at: ApiDateTime
    referrer: ReferrerIn
    reason: str = Field(..., max_length=4000)
    diagnosis: str = Field(default="", max_length=20)
    priority: ReferralPriority
    mode: ReferralMode = ReferralMode.ELECTRONIC
    area: ClinicalArea = ClinicalArea.SOMATIC
    rights: list[str] = Field(default_factory=list, max_length=20)


class DeadlineOut(Schema):
    rule: str
    start: date | None
    due: date | None
    state: str = ""
    met_at: datetime | None = None
    paused_days: int = 0
    is_paused: bool = False


class ReferralCreated(Schema):
    id: uuid.UUID
    status: str
    deadlines: list[DeadlineOut]


class ReferrerOut(Schema):
    name: str
    sor: str
    ydernummer: str


class ReferralEventOut(Schema):
    kind: str
    at: datetime
    note: str
    from_unit: uuid.UUID | None
    to_unit: uuid.UUID | None


class ReferralOut(Schema):
    id: uuid.UUID
    status: str
    patient: uuid.UUID
    unit: uuid.UUID
    received_at: datetime
    referrer: ReferrerOut
    reason: str
    diagnosis: str
    priority: str
    mode: str
    area: str
    rights: list[str]
    decision_reason: str
    pathway: uuid.UUID | None
    deadlines: list[DeadlineOut]
    history: list[ReferralEventOut]


def _unit(request: ApiRequest, public_id: uuid.UUID, field: str) -> Unit:
    found = Unit.objects.filter(
        public_id=public_id, organisation_id__in=request.auth.organisation_ids
    ).first()
    if found is None:
        from klinik.pathways.errors import PathwayCode, PathwayError

        raise PathwayError(PathwayCode.UNIT_NOT_YOURS, PathwayError.UNIT_NOT_YOURS, field=field)
    return found


def _referral_out(request: ApiRequest, public_id: uuid.UUID) -> ReferralOut:
    detail = referral_detail(actor=request.auth, public_id=public_id, channel=Channel.API)
    r = detail.referral
    return ReferralOut(
        id=r.public_id,
        status=r.status,
        patient=r.patient.public_id,
        unit=r.unit.public_id,
        received_at=r.received_at,
        referrer=ReferrerOut(
            name=r.referrer_name, sor=r.referrer_sor, ydernummer=r.referrer_provider_number
        ),
        reason=r.reason,
        diagnosis=r.diagnosis,
        priority=r.priority,
        mode=r.mode,
        area=r.area,
        rights=list(r.rights),
        decision_reason=r.decision_reason,
        pathway=detail.pathway.public_id if detail.pathway else None,
        deadlines=[
            DeadlineOut(
                rule=d.rule.code,
                start=d.start,
                due=d.due,
                state=d.state,
                met_at=d.met_at,
                paused_days=d.paused_days,
                is_paused=d.is_paused,
            )
            for d in detail.deadlines
        ],
        history=[
            ReferralEventOut(
                kind=e.kind,
                at=e.at,
                note=e.note,
                from_unit=e.from_unit.public_id if e.from_unit else None,
                to_unit=e.to_unit.public_id if e.to_unit else None,
            )
            for e in detail.events
        ],
    )


@router.post("/referrals", response={201: ReferralCreated}, summary="Register a referral")
def referral_create(request: ApiRequest, payload: ReferralIn) -> tuple[int, ReferralCreated]:
    actor = request.auth
    try:
        patient = access_patient(
            actor=actor,
            public_id=payload.patient,
            channel=Channel.API,
            is_logged_by_caller=True,
        )
    except Http404:
        from klinik.pathways.errors import PathwayCode, PathwayError

        raise PathwayError(
            PathwayCode.PATIENT_NOT_YOURS, PathwayError.PATIENT_NOT_YOURS, field="patient"
        ) from None
    referral = referral_receive(
        actor=actor,
        patient=patient,
        unit=_unit(request, payload.unit, "unit"),
        received_at=payload.received_at,
        referrer_name=payload.referrer.name,
        referrer_sor=payload.referrer.sor,
        referrer_provider_number=payload.referrer.ydernummer,
        reason=payload.reason,
        diagnosis=payload.diagnosis,
        priority=payload.priority,
        mode=payload.mode,
        area=payload.area,
        rights=payload.rights,
        channel=Channel.API,
    )
    deadlines = referral.deadlines.select_related("rule").order_by("due", "id")
    return 201, ReferralCreated(
        id=referral.public_id,
        status=referral.status,
        deadlines=[DeadlineOut(rule=d.rule.code, start=d.start, due=d.due) for d in deadlines],
    )


@router.get("/referrals/{referral_id}", response=ReferralOut, summary="A referral")
def referral_get(request: ApiRequest, referral_id: uuid.UUID) -> ReferralOut:
    return _referral_out(request, referral_id)


class VisitationIn(Schema):
    decision: str = Field(..., max_length=10)
    reason: str = Field(default="", max_length=4000)
    unit: uuid.UUID | None = None
    priority: str = Field(default="", max_length=10)
    label: str = Field(default="", max_length=20)


@router.post(
    "/referrals/{referral_id}/visitation", response=ReferralOut, summary="Visitate a referral"
)
def referral_visitation(
    request: ApiRequest, referral_id: uuid.UUID, payload: VisitationIn
) -> ReferralOut:
    """Accept, reject (reason required) or redirect (to `unit`)."""
    actor = request.auth
    referral = access_referral(
        actor=actor,
        public_id=referral_id,
        channel=Channel.API,
        perm=Perm.REFERRAL_VISITATE,
        is_logged=False,
    )
    referral_visitate(
        actor=actor,
        referral=referral,
        decision=payload.decision,
        reason=payload.reason,
        unit=_unit(request, payload.unit, "unit") if payload.unit else None,
        priority=payload.priority,
        label=payload.label,
        channel=Channel.API,
    )
    return _referral_out(request, referral_id)


class MarkerIn(Schema):
    code: str = Field(..., max_length=20)
    at: ApiDateTime


class MarkerOut(Schema):
    id: uuid.UUID
    code: str
    at: datetime


@router.post(
    "/pathways/{pathway_id}/markers", response={201: MarkerOut}, summary="Set a pathway marker"
)
def pathway_marker_create(
    request: ApiRequest, pathway_id: uuid.UUID, payload: MarkerIn
) -> tuple[int, MarkerOut]:
    actor = request.auth
    pathway = access_pathway(
        actor=actor, public_id=pathway_id, channel=Channel.API, perm=Perm.PATHWAY_EDIT,
        is_logged=False,
    )  # fmt: skip
    marker = pathway_marker_add(
        actor=actor, pathway=pathway, code=payload.code, at=payload.at, channel=Channel.API
    )
    return 201, MarkerOut(id=marker.public_id, code=marker.code, at=marker.at)
