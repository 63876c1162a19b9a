"""Training: the courses a person is planned on or has completed (the personal training plan),
and the competence matrix that shows them beside the levels.

No patient data: nothing to log on reads; writes are logged as staff changes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Membership, Organisation, Unit, User
from klinik.core.policy import Actor, Perm, require
from klinik.staff.choices import Level, TrainingStatus
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import Competence, Course, PersonCompetence, Training
from klinik.staff.selectors import competence_list

PROVIDER_MAX = 200


def course_by_number(*, organisation: Organisation, number: str) -> Course | None:
    """The catalogue's course with that number: the organisation's own first, then the AMU's."""
    number = (number or "").strip()
    rows = Course.objects.filter(
        Q(organisation__isnull=True) | Q(organisation=organisation), number=number
    ).order_by("organisation_id")
    own = [c for c in rows if c.organisation_id is not None]
    return own[0] if own else next(iter(rows), None)


def training_record(
    *,
    actor: Actor,
    membership: Membership,
    course_number: str,
    status: str,
    starts_on: dt.date,
    completed_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    provider: str = "",
    certificate: UploadedFile[Any] | None = None,
    channel: Channel = Channel.UI,
) -> Training:
    """Plan a course for a person, or record one completed. Refuses (nothing written) a number
    not in the catalogue, a completion before the start or in the future."""
    require(actor, Perm.STAFF_MANAGE)
    organisation = actor.organisation
    if organisation is None or membership.organisation_id != organisation.pk:
        raise StaffDomainError(StaffCode.NOT_MEMBER, StaffDomainError.NOT_MEMBER, "username")
    course = course_by_number(organisation=organisation, number=course_number)
    if course is None:
        raise StaffDomainError(
            StaffCode.UNKNOWN_COURSE,
            StaffDomainError.UNKNOWN_COURSE % {"number": course_number},
            "course",
        )
    if status not in TrainingStatus.values:
        raise StaffDomainError(
            StaffCode.BAD_STATUS, StaffDomainError.BAD_STATUS % {"value": status}, "status"
        )
    if completed_on is not None and completed_on < starts_on:
        raise StaffDomainError(
            StaffCode.COMPLETED_BEFORE_START,
            StaffDomainError.COMPLETED_BEFORE_START,
            "completed_on",
        )
    if status == TrainingStatus.COMPLETED and (
        completed_on is None or completed_on > timezone.localdate()
    ):
        raise StaffDomainError(
            StaffCode.COMPLETED_IN_FUTURE, StaffDomainError.COMPLETED_IN_FUTURE, "completed_on"
        )
    if expires_on is not None and expires_on <= (completed_on or starts_on):
        raise StaffDomainError(
            StaffCode.EXPIRY_NOT_AFTER_ASSESSMENT,
            StaffDomainError.EXPIRY_NOT_AFTER_ASSESSMENT,
            "expires_on",
        )
    provider = " ".join((provider or "").split())
    if len(provider) > PROVIDER_MAX:
        raise StaffDomainError(
            StaffCode.TOO_LONG, StaffDomainError.TOO_LONG % {"max": PROVIDER_MAX}, "provider"
        )
    with transaction.atomic(durable=True):
        training = Training(
            organisation=organisation,
            user=membership.user,
            course=course,
            status=status,
            starts_on=starts_on,
            completed_on=completed_on if status == TrainingStatus.COMPLETED else None,
            expires_on=expires_on,
            provider=provider,
            created_by=actor.user,
        )
        if certificate is not None:
            training.certificate.save(certificate.name or "certificate", certificate, save=False)
        training.save()
        access_log_record(
            actor=actor,
            action=Action.STAFF_CHANGE,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="membership",
            object_id=membership.public_id,
            reason=f"course {course.number} {status}",
        )
    return training


def training_with_certificate(
    *, organisation: Organisation, public_id: uuid.UUID
) -> Training | None:
    """A training of the organisation's with an uploaded certificate, by public id."""
    return (
        Training.objects.filter(organisation=organisation, public_id=public_id)
        .exclude(certificate="")
        .select_related("course")
        .first()
    )


def training_list(*, organisation: Organisation, user: User) -> QuerySet[Training]:
    return (
        Training.objects.filter(organisation=organisation, user=user)
        .select_related("course")
        .order_by("starts_on", "pk")
    )


# The competence matrix ------------------------------------------------------------------------


@dataclass
class MatrixCell:
    level: str = ""  # "" = a gap: not assessed
    level_label: str = ""
    expires_on: dt.date | None = None
    planned: list[Training] = field(default_factory=list)


@dataclass
class MatrixRow:
    user: User
    roles: str
    cells: list[MatrixCell]


@dataclass
class Matrix:
    competences: list[Competence]
    rows: list[MatrixRow]
    # per competence: how many people at each level and how many gaps (the chart)
    counts: list[dict[str, int]]


def competence_matrix(*, organisation: Organisation, unit: Unit | None = None) -> Matrix:
    """People by competences with their levels, the gaps and the planned courses that build the
    competence; the active staff of the organisation (or of one unit)."""
    members = Membership.objects.filter(
        organisation=organisation, is_active=True, unit__isnull=False
    ).select_related("user")
    if unit is not None:
        members = members.filter(unit=unit)
    people: dict[int, tuple[User, list[str]]] = {}
    for m in members.order_by("user__first_name", "user__last_name", "pk"):
        people.setdefault(m.user_id, (m.user, []))[1].append(str(m.get_role_display()))
    competences = list(competence_list(organisation=organisation))
    levels = {
        (pc.user_id, pc.competence_id): pc
        for pc in PersonCompetence.objects.filter(organisation=organisation, user_id__in=people)
    }
    builds: dict[int, list[int]] = defaultdict(list)  # course id -> competence ids
    for competence in competences:
        for course in competence.courses.all():
            builds[course.pk].append(competence.pk)
    planned: dict[tuple[int, int], list[Training]] = defaultdict(list)
    for training in Training.objects.filter(
        organisation=organisation, user_id__in=people, status=TrainingStatus.PLANNED
    ).select_related("course"):
        for competence_id in builds.get(training.course_id, []):
            planned[(training.user_id, competence_id)].append(training)
    labels = dict(Level.choices)
    rows = []
    counts = [dict.fromkeys([*Level.values, "gap"], 0) for _ in competences]
    for user_id, (user, roles) in people.items():
        cells = []
        for index, competence in enumerate(competences):
            held = levels.get((user_id, competence.pk))
            cell = MatrixCell(planned=planned.get((user_id, competence.pk), []))
            if held is not None:
                cell.level, cell.level_label = held.level, str(labels[held.level])
                cell.expires_on = held.expires_on
            counts[index][cell.level or "gap"] += 1
            cells.append(cell)
        rows.append(MatrixRow(user=user, roles=", ".join(sorted(set(roles))), cells=cells))
    return Matrix(competences=competences, rows=rows, counts=counts)


def matrix_workbook(matrix: Matrix) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kompetencematrix"
    sheet.append(["Navn", "Rolle", *[c.name for c in matrix.competences]])
    for row in matrix.rows:
        line: list[object] = [row.user.get_full_name() or row.user.username, row.roles]
        for cell in row.cells:
            text = cell.level_label or "—"
            if cell.planned:
                text += " (planlagt: " + ", ".join(t.course.number for t in cell.planned) + ")"
            line.append(text)
        sheet.append(line)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
