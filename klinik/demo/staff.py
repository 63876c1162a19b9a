"""Demo staff competences for Lægehuset: the secretaries, the nurse and the apprentice each
with levels in the job area's four competences, recorded by the clinic manager through the
staff services (so the access log is as the screens make it). Idempotent: a clinic whose people
have levels already is left alone."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Membership, Organisation
from klinik.core.services import actor_from_membership
from klinik.staff.models import Competence, Course, PersonCompetence
from klinik.staff.services import catalogue_load, person_competence_set

# username -> [(competence code, level, evidence)]
LEVELS = {
    "sekretaer": [
        ("administration", "expert", "AMU 45583 Brug af DRG; 48665 Sundhedsdata og DRG"),
        ("coordination", "experienced", "AMU 48664 Forløbskoordinering"),
        ("data", "experienced", "AMU 49627 GDPR og IT-sikkerhed"),
        ("assistance", "routined", ""),
    ],
    "sekretaer2": [
        ("administration", "routined", "AMU 40915 Grundlæggende diagnoselatin"),
        ("coordination", "beginner", ""),
    ],
    "sygeplejerske": [
        ("assistance", "expert", "Sygeplejerske, autoriseret"),
        ("coordination", "experienced", ""),
    ],
    "elev": [
        ("assistance", "beginner", "Elev, 1. praktikperiode"),
        ("administration", "beginner", ""),
    ],
}


def demo_staff(*, organisation: Organisation) -> None:
    if not Course.objects.exists():
        catalogue_load()  # a flushed test database lost the migration's catalogue
    if PersonCompetence.objects.filter(organisation=organisation).exists():
        return
    manager = (
        Membership.objects.filter(organisation=organisation, role=Role.MANAGER, is_active=True)
        .select_related("user", "organisation", "unit")
        .first()
    )
    if manager is None:
        return
    actor = actor_from_membership(manager)
    competences = {c.code: c for c in Competence.objects.filter(organisation=None)}
    assessed_on = timezone.localdate() - timedelta(days=60)
    for username, levels in LEVELS.items():
        membership = Membership.objects.filter(
            organisation=organisation, user__username=username, is_active=True
        ).first()
        if membership is None:
            continue
        for code, level, evidence in levels:
            person_competence_set(
                actor=actor,
                membership=membership,
                competence=competences[code],
                level=level,
                evidence=evidence,
                assessed_on=assessed_on,
            )
