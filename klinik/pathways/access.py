"""The doors to a referral and a pathway: the same 404 for missing and not the actor's, and
the read in the access log (the patient's care relation is checked by access_patient's rules:
a referral or pathway at the actor's unit is a care relation, see apps.py)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from klinik.audit.choices import Action, Channel
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.history import pathways_access_log
from klinik.pathways.models import Pathway, Referral


def _key(public_id: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc


def access_referral(
    *,
    actor: Actor,
    public_id: object,
    channel: Channel,
    perm: Perm = Perm.PATHWAY_VIEW,
    is_logged: bool = True,
) -> Referral:
    """The referral when it belongs to one of the actor's organisations; 404 otherwise.
    `is_logged=False` when the caller's write logs it (a visitation)."""
    require(actor, perm)
    queryset: QuerySet[Referral] = Referral.objects.select_related("patient", "unit")
    referral = queryset.filter(
        organisation_id__in=actor.organisation_ids, public_id=_key(public_id)
    ).first()
    if referral is None:
        raise Http404
    if is_logged:
        pathways_access_log(
            actor=actor,
            action=Action.VIEW,
            object_type="referral",
            object_id=referral.public_id,
            patient_public_id=referral.patient.public_id,
            organisation_id=referral.organisation_id,
            channel=channel,
        )
    return referral


def access_pathway(
    *,
    actor: Actor,
    public_id: object,
    channel: Channel,
    perm: Perm = Perm.PATHWAY_VIEW,
    is_logged: bool = True,
) -> Pathway:
    require(actor, perm)
    pathway = (
        Pathway.objects.select_related("patient", "unit", "referral")
        .filter(organisation_id__in=actor.organisation_ids, public_id=_key(public_id))
        .first()
    )
    if pathway is None:
        raise Http404
    if is_logged:
        pathways_access_log(
            actor=actor,
            action=Action.VIEW,
            object_type="pathway",
            object_id=pathway.public_id,
            patient_public_id=pathway.patient.public_id,
            organisation_id=pathway.organisation_id,
            channel=channel,
        )
    return pathway


def pathway_care_relation(organisation_id: int, unit_id: int, patient_id: int) -> bool:
    """patients.hooks.CARE_RELATION: a referral to the unit or a pathway it is responsible
    for."""
    return (
        Referral.objects.filter(
            organisation_id=organisation_id, unit_id=unit_id, patient_id=patient_id
        ).exists()
        or Pathway.objects.filter(
            organisation_id=organisation_id, unit_id=unit_id, patient_id=patient_id
        ).exists()
    )
