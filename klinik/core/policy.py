"""The one place that decides who may do what.

UI views, the REST API and FHIR handlers all ask `can`/`require` with an `Actor`. Roles map to
permissions here and nowhere else; object rules (which patient, which organisation) live in each
app's access.py and build on `Actor.organisation_ids`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import PermissionDenied

from klinik.core.choices import Role

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

    from klinik.core.models import Community, Organisation, Unit, User


# A view keeps its own signature through `requires` and `public`.
View = TypeVar("View", bound=Callable[..., "HttpResponseBase"])


class Perm(StrEnum):
    PATIENT_VIEW = "patient.view"  # demographics: name, CPR, contact details
    PATIENT_EDIT = "patient.edit"
    PATIENT_EXPORT = "patient.export"  # GDPR access export, printing
    PATIENT_UNMERGE = "patient.unmerge"  # undo a merge of two records
    RECORD_READ = "record.read"  # the journal (EPJ)
    RECORD_WRITE = "record.write"
    RECORD_SIGN = "record.sign"
    SCHEDULE_VIEW = "schedule.view"
    SCHEDULE_BOOK = "schedule.book"
    STAFF_MANAGE = "staff.manage"
    CLINIC_SETUP = "clinic.setup"  # the organisation, units, resources, hours, types, templates
    AUDIT_PATIENT_REPORT = "audit.patient_report"  # who accessed a patient's record
    AUDIT_REVIEW = "audit.review"  # review break-the-glass accesses, spot checks
    REPORT_RETENTION = "report.retention"  # records kept past the retention period
    REPORT_LPR3 = "report.lpr3"  # the LPR3 report: error list, re-validation, sending
    REPORT_DASHBOARD = "report.dashboard"  # quality dashboards, DRG values (issue 18)
    DRG_IMPORT = "drg.import"  # import the region's DRG grouping results and tariffs
    REFERRAL_REGISTER = "referral.register"  # register a referral received, attach its letters
    REFERRAL_VISITATE = "referral.visitate"  # accept, reject or redirect a referral (clinicians)
    PATHWAY_VIEW = "pathway.view"  # referrals, pathways, deadlines, waiting times
    PATHWAY_EDIT = "pathway.edit"  # open and close pathways, set markers
    TASK_WORK = "task.work"  # create, take and finish tasks
    INVOICE_VIEW = "invoice.view"  # private invoices, payments, open items
    INVOICE_WRITE = "invoice.write"  # issue and credit invoices, register payments, prices
    FEE_APPROVE = "fee.approve"  # fees (ydelser): suggest, correct, approve, settle
    STOCK_VIEW = "stock.view"  # products, lots and quantities
    STOCK_MANAGE = "stock.manage"  # products, goods received, counts
    # Approve or decline a prescription renewal: a doctor's alone, never delegable
    # (BEK 1219/2009; docs/domain §7.4). Held by no other role, nor through a community.
    PRESCRIPTION_RENEW = "prescription.renew"


_P = Perm
_RECEPTION = {_P.PATIENT_VIEW, _P.PATIENT_EDIT, _P.SCHEDULE_VIEW, _P.SCHEDULE_BOOK}
_PATHWAYS = {_P.REFERRAL_REGISTER, _P.PATHWAY_VIEW, _P.PATHWAY_EDIT, _P.TASK_WORK}
_INVOICING = {_P.INVOICE_VIEW, _P.INVOICE_WRITE, _P.FEE_APPROVE}
_STOCK = {_P.STOCK_VIEW, _P.STOCK_MANAGE}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.SECRETARY: frozenset(
        _RECEPTION
        | {_P.PATIENT_EXPORT, _P.RECORD_READ, _P.RECORD_WRITE, _P.AUDIT_PATIENT_REPORT}
        | _PATHWAYS
        | _INVOICING
        | _STOCK
        | {_P.REPORT_LPR3, _P.REPORT_DASHBOARD, _P.DRG_IMPORT}
    ),
    Role.HEALTH_SERVICE_SECRETARY: frozenset(
        _RECEPTION | _PATHWAYS | _INVOICING | {_P.REPORT_LPR3}
    ),
    Role.DOCTOR: frozenset(
        _RECEPTION
        | {_P.PATIENT_EXPORT, _P.RECORD_READ, _P.RECORD_WRITE, _P.RECORD_SIGN}
        | {_P.AUDIT_PATIENT_REPORT}
        | _PATHWAYS
        | {_P.REFERRAL_VISITATE}
        | _INVOICING
        | {_P.PRESCRIPTION_RENEW, _P.REPORT_LPR3}
    ),
    Role.NURSE: frozenset(_RECEPTION | {_P.RECORD_READ, _P.RECORD_WRITE} | _PATHWAYS | _STOCK),
    Role.THERAPIST: frozenset(
        _RECEPTION
        | {_P.RECORD_READ, _P.RECORD_WRITE, _P.RECORD_SIGN}
        | _PATHWAYS
        | {_P.REFERRAL_VISITATE}
        | _INVOICING
    ),
    Role.LAB_TECHNICIAN: frozenset(
        {_P.PATIENT_VIEW, _P.SCHEDULE_VIEW, _P.RECORD_READ, _P.RECORD_WRITE}
    ),
    Role.MANAGER: frozenset(
        {_P.PATIENT_VIEW, _P.SCHEDULE_VIEW, _P.STAFF_MANAGE, _P.AUDIT_REVIEW}
        | {_P.AUDIT_PATIENT_REPORT, _P.PATIENT_EXPORT, _P.PATIENT_UNMERGE, _P.CLINIC_SETUP}
        | {_P.REPORT_RETENTION, _P.PATHWAY_VIEW, _P.INVOICE_VIEW, _P.STOCK_VIEW}
        | {_P.REPORT_LPR3, _P.REPORT_DASHBOARD, _P.DRG_IMPORT}
    ),
    # An apprentice works under supervision: what they write stays unsigned until approved.
    Role.APPRENTICE: frozenset(_RECEPTION | {_P.RECORD_READ, _P.RECORD_WRITE, _P.TASK_WORK}),
    Role.SYSTEM_ADMIN: frozenset({_P.STAFF_MANAGE, _P.AUDIT_REVIEW, _P.PATIENT_UNMERGE}),
}

# Acting for a clinic community (the shared reception) never reaches records.
COMMUNITY_PERMISSIONS: frozenset[Perm] = frozenset(
    {_P.PATIENT_VIEW, _P.SCHEDULE_VIEW, _P.SCHEDULE_BOOK}
)

RECORD_ROLES: frozenset[Role] = frozenset(
    role for role, perms in ROLE_PERMISSIONS.items() if Perm.RECORD_READ in perms
)
# Roles that need two-factor login when it is required: those reading records, and those
# administering staff or reviewing the access log.
SECOND_FACTOR_ROLES: frozenset[Role] = RECORD_ROLES | frozenset(
    role
    for role, perms in ROLE_PERMISSIONS.items()
    if perms & {Perm.STAFF_MANAGE, Perm.AUDIT_REVIEW, Perm.CLINIC_SETUP}
)


def permissions_for(role: Role | str, *, community_scope: bool) -> frozenset[Perm]:
    perms = ROLE_PERMISSIONS[Role(role)]
    return perms & COMMUNITY_PERMISSIONS if community_scope else perms


@dataclass(frozen=True)
class Actor:
    """Who is acting, for which organisation and unit, with which permissions.

    Resolved once per request (session or API token) and passed explicitly to services,
    selectors and access functions.
    """

    user: User
    role: Role
    membership_id: int
    organisation: Organisation | None
    unit: Unit | None
    community: Community | None
    organisation_ids: frozenset[int]
    permissions: frozenset[Perm]

    @property
    def scope_name(self) -> str:
        if self.unit is not None and self.organisation is not None:
            return f"{self.organisation.name} · {self.unit.name}"
        return self.community.name if self.community else ""

    def can(self, perm: Perm) -> bool:
        return perm in self.permissions


def can(actor: Actor | None, perm: Perm) -> bool:
    return actor is not None and actor.can(perm)


def require(actor: Actor | None, perm: Perm) -> Actor:
    """Return the actor when it holds `perm`; raise PermissionDenied otherwise."""
    if actor is None or not actor.can(perm):
        raise PermissionDenied(perm.value)
    return actor


def requires(*perms: Perm) -> Callable[[View], View]:
    """View decorator: a logged-in actor holding every permission in `perms`.

    Every view declares what it needs; views without it are refused by the
    `core.E001` system check unless explicitly marked public.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = getattr(request, "actor", None)
            for perm in perms:
                require(actor, perm)
            return view(request, *args, **kwargs)

        wrapped.klinik_permissions = perms  # type: ignore[attr-defined]
        return cast("View", wrapped)

    return decorator


def requires_any(*perms: Perm) -> Callable[[View], View]:
    """View decorator: a logged-in actor holding at least one permission in `perms` (a screen
    shared by roles that do different things on it; the services check each action)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = getattr(request, "actor", None)
            if not any(can(actor, perm) for perm in perms):
                raise PermissionDenied(perms[0].value)
            return view(request, *args, **kwargs)

        wrapped.klinik_permissions = perms  # type: ignore[attr-defined]
        return cast("View", wrapped)

    return decorator


def public(view: View) -> View:
    """Mark a view as reachable without login (login page, health check, ...)."""
    view.klinik_public = True  # type: ignore[attr-defined]
    return view
