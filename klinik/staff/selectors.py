"""Staff reads: the catalogue (national plus the organisation's own) and a person's levels.

No patient data here: nothing to log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from klinik.core.models import Organisation, User
from klinik.staff.models import Competence, Course, PersonCompetence

# The national rows first on both databases (PostgreSQL sorts NULL last by default).
_NATIONAL_FIRST = F("organisation_id").asc(nulls_first=True)


def _national_or(organisation: Organisation | None) -> Q:
    if organisation is None:
        return Q(organisation__isnull=True)
    return Q(organisation__isnull=True) | Q(organisation=organisation)


def course_catalogue(*, organisation: Organisation | None) -> QuerySet[Course]:
    """The AMU courses and the organisation's own, by number, with the competences they build."""
    return (
        Course.objects.filter(_national_or(organisation))
        .prefetch_related(
            Prefetch("competences", queryset=Competence.objects.order_by("position", "name"))
        )
        .order_by("number", "pk")
    )


def competence_list(*, organisation: Organisation | None) -> QuerySet[Competence]:
    """The seed's competences first, then the organisation's own, with the courses behind them."""
    return (
        Competence.objects.filter(_national_or(organisation))
        .prefetch_related(Prefetch("courses", queryset=Course.objects.order_by("number")))
        .order_by(_NATIONAL_FIRST, "position", "name")
    )


@dataclass(frozen=True)
class CompetenceLine:
    competence: Competence
    assessment: PersonCompetence | None


def person_competences(*, organisation: Organisation, user: User) -> list[CompetenceLine]:
    """Every competence of the organisation with the person's level in it (None: not assessed)."""
    held = {
        pc.competence_id: pc
        for pc in PersonCompetence.objects.filter(organisation=organisation, user=user)
    }
    return [
        CompetenceLine(competence=competence, assessment=held.get(competence.pk))
        for competence in Competence.objects.filter(_national_or(organisation)).order_by(
            _NATIONAL_FIRST, "position", "name"
        )
    ]
