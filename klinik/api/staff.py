"""Staff over REST: the AMU course catalogue and the competences.

Reference data, no patient data: any authenticated actor may read them. The catalogue is the
national one plus the acting organisation's own courses.
"""

from __future__ import annotations

from datetime import date

from ninja import Router

from klinik.api.types import Out
from klinik.core.http import ApiRequest
from klinik.staff.models import Competence, Course
from klinik.staff.selectors import competence_list, course_catalogue

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
