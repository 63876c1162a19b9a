"""Staff over REST: the AMU course catalogue, the competences and the delegation register.

No patient data: any authenticated actor may read them; delegating is for doctors. The
catalogue is the national one plus the acting organisation's own courses.
"""

from __future__ import annotations

import uuid
from datetime import date

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from klinik.api.types import ApiDate, Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import Membership, Unit, User
from klinik.core.policy import Perm
from klinik.staff.choices import DelegationKind, TrainingStatus
from klinik.staff.delegation import delegation_create, delegation_list, instruction_by_title
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import Competence, Course, Delegation, Training
from klinik.staff.selectors import competence_list, course_catalogue
from klinik.staff.training import training_list, training_record

router = Router(tags=["staff"])


class CourseOut(Out):
    number: str
    level: str
    title: str
    days: float
    tied_from: date | None
    is_amu: bool
    competences: list[str]


class CompetenceOut(Out):
    code: str
    name: str
    description: str
    tasks: list[str]
    is_local: bool
    courses: list[str]


def course_out(course: Course) -> CourseOut:
    return CourseOut(
        number=course.number,
        level=course.level,
        title=course.title,
        days=float(course.days),
        tied_from=course.tied_from,
        is_amu=course.is_amu,
        competences=[competence.code for competence in course.competences.all()],
    )


def competence_out(competence: Competence) -> CompetenceOut:
    return CompetenceOut(
        code=competence.code,
        name=competence.name,
        description=competence.description,
        tasks=[str(task) for task in competence.tasks],
        is_local=competence.organisation_id is not None,
        courses=[course.number for course in competence.courses.all()],
    )


@router.get("/staff/courses", response=list[CourseOut], summary="The course catalogue")
def staff_courses_endpoint(request: ApiRequest) -> list[CourseOut]:
    """The AMU courses tied to the job area (from the job-area description), and the
    organisation's own courses: `number` (a string: "49995"), `level` (the AMU level code),
    `title`, `days` (a number), `tied_from` (ISO date), the codes of the competences each
    builds."""
    return [course_out(c) for c in course_catalogue(organisation=request.auth.organisation)]


@router.get("/staff/competences", response=list[CompetenceOut], summary="The competences")
def staff_competences_endpoint(request: ApiRequest) -> list[CompetenceOut]:
    """The job area's four competences with their tasks, then the organisation's own; the
    numbers of the courses that build each."""
    return [competence_out(c) for c in competence_list(organisation=request.auth.organisation)]


# The delegation register --------------------------------------------------------------------


class DelegationIn(Schema):
    """To a named person (`delegate`, a username) or to a role in a unit (`delegate_role` and
    `unit`, the unit's public id)."""

    delegate: str | None = Field(default=None, max_length=150)
    delegate_role: str | None = Field(default=None, max_length=40)
    unit: uuid.UUID | None = None
    task: str = Field(max_length=40)
    instruction: str = Field(max_length=200, description="the instruction's title")
    valid_from: ApiDate
    valid_to: ApiDate | None = None
    review_on: ApiDate | None = None
    kind: str = Field(default=DelegationKind.FRAMEWORK, max_length=20)


class DelegationOut(Out):
    id: uuid.UUID
    delegator: str
    delegator_name: str
    delegate: str | None
    delegate_name: str
    delegate_role: str
    unit: uuid.UUID | None
    task: str
    kind: str
    instruction: str
    instruction_version: int
    valid_from: date
    valid_to: date | None
    review_on: date | None
    is_revoked: bool
    revoked_on: date | None  # valid on the days before it
    revoke_reason: str


def delegation_out(d: Delegation) -> DelegationOut:
    return DelegationOut(
        id=d.public_id,
        delegator=d.delegator.username,
        delegator_name=d.delegator.get_full_name() or d.delegator.username,
        delegate=d.delegate.username if d.delegate else None,
        delegate_name=(d.delegate.get_full_name() or d.delegate.username) if d.delegate else "",
        delegate_role=d.delegate_role,
        unit=d.unit.public_id if d.unit else None,
        task=d.task,
        kind=d.kind,
        instruction=d.instruction_version.instruction.title,
        instruction_version=d.instruction_version.number,
        valid_from=d.valid_from,
        valid_to=d.valid_to,
        review_on=d.review_on,
        is_revoked=d.revoked_at is not None,
        revoked_on=d.revoked_on,
        revoke_reason=d.revoke_reason,
    )


@router.post("/delegations", response={201: DelegationOut}, summary="Delegate a task")
def delegation_create_endpoint(
    request: ApiRequest, payload: DelegationIn
) -> tuple[int, DelegationOut]:
    """The acting doctor delegates `task` (vaccination, blood_sampling, injection, ecg,
    spirometry) under the instruction with that title in the library, from `valid_from` to
    `valid_to`. 403 when the actor is not an authorised person (a doctor with the authorisation
    id on the staff profile: `not_authorised`, `no_authorisation_id`); 422 naming the field
    for a delegate outside the organisation, an end before the start, an unknown instruction,
    a task never delegable (prescribing)."""
    actor = request.auth
    organisation = actor.organisation
    if organisation is None:
        raise HttpError(403, "a clinic's token is needed")
    delegate = None
    if payload.delegate:
        delegate = User.objects.filter(username__iexact=payload.delegate.strip()).first()
        if delegate is None:
            raise HttpError(422, f"delegate: {payload.delegate} is not on the staff")
    unit = None
    if payload.unit is not None:
        unit = Unit.objects.filter(public_id=payload.unit, organisation=organisation).first()
        if unit is None:
            raise HttpError(422, "unit: not a unit of your organisation")
    instruction = instruction_by_title(organisation=organisation, title=payload.instruction)
    if instruction is None:
        raise StaffDomainError(
            StaffCode.UNKNOWN_INSTRUCTION,
            StaffDomainError.UNKNOWN_INSTRUCTION % {"title": payload.instruction},
            "instruction",
        )
    delegation = delegation_create(
        actor=actor,
        task=payload.task,
        instruction=instruction,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        review_on=payload.review_on,
        delegate=delegate,
        delegate_role=payload.delegate_role or "",
        unit=unit,
        kind=payload.kind,
        channel=Channel.API,
    )
    fresh = delegation_list(organisation=organisation).get(pk=delegation.pk)
    return 201, delegation_out(fresh)


@router.get("/delegations", response=list[DelegationOut], summary="The delegation register")
def delegation_list_endpoint(request: ApiRequest) -> list[DelegationOut]:
    """The organisation's delegations, newest first, revoked ones included."""
    organisation = request.auth.organisation
    if organisation is None:
        return []
    return [delegation_out(d) for d in delegation_list(organisation=organisation)]


# A person's training ------------------------------------------------------------------------


class TrainingIn(Schema):
    course: str = Field(max_length=20, description="the course number, e.g. 48664")
    status: str = Field(default=TrainingStatus.PLANNED, max_length=20)
    starts_on: ApiDate
    completed_on: ApiDate | None = None
    expires_on: ApiDate | None = None
    provider: str = Field(default="", max_length=200)


class TrainingOut(Out):
    id: uuid.UUID
    course: str
    title: str
    status: str
    starts_on: date
    completed_on: date | None
    expires_on: date | None
    provider: str
    has_certificate: bool


def training_out(t: Training) -> TrainingOut:
    return TrainingOut(
        id=t.public_id,
        course=t.course.number,
        title=t.course.title,
        status=t.status,
        starts_on=t.starts_on,
        completed_on=t.completed_on,
        expires_on=t.expires_on,
        provider=t.provider,
        has_certificate=bool(t.certificate),
    )


def _member(request: ApiRequest, username: str, *, write: bool) -> Membership:
    """A person of the token's organisation: a manager reaches everyone, a person themself;
    anyone else gets the same 404 as for a username that does not exist."""
    actor = request.auth
    if actor.organisation is None:
        raise HttpError(404, "Not Found")
    membership = (
        Membership.objects.filter(organisation=actor.organisation, user__username__iexact=username)
        .select_related("user")
        .order_by("-is_active", "pk")
        .first()
    )
    is_self = membership is not None and membership.user_id == actor.user.pk
    if membership is None or not (actor.can(Perm.STAFF_MANAGE) or (is_self and not write)):
        raise HttpError(404, "Not Found")
    return membership


@router.get("/staff/{username}/courses", response=list[TrainingOut], summary="A person's courses")
def staff_training_list_endpoint(request: ApiRequest, username: str) -> list[TrainingOut]:
    """The courses the person is planned on or has completed, by start. A manager reads
    anyone's in the organisation; a person reads their own."""
    membership = _member(request, username, write=False)
    organisation = request.auth.organisation
    assert organisation is not None
    return [training_out(t) for t in training_list(organisation=organisation, user=membership.user)]


@router.post(
    "/staff/{username}/courses", response={201: TrainingOut}, summary="Plan or record a course"
)
def staff_training_create_endpoint(
    request: ApiRequest, username: str, payload: TrainingIn
) -> tuple[int, TrainingOut]:
    """A manager plans a course (`status` planned) or records one completed (`completed_on`).
    422 naming the field for a number not in the catalogue, a completion before the start."""
    membership = _member(request, username, write=True)
    training = training_record(
        actor=request.auth,
        membership=membership,
        course_number=payload.course,
        status=payload.status,
        starts_on=payload.starts_on,
        completed_on=payload.completed_on,
        expires_on=payload.expires_on,
        provider=payload.provider,
        channel=Channel.API,
    )
    return 201, training_out(training)
