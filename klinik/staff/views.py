"""Staff administration: the list, adding a person, changing a role, (de)activating; the course
catalogue and a person's competence levels.

Moved here from `core` (issue 17); the models, roles and the policy stay in `core`.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.core import services
from klinik.core.choices import Role
from klinik.core.errors import StaffError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Membership, Organisation, User
from klinik.core.policy import Perm, requires
from klinik.core.selectors import organisation_staff, organisation_units
from klinik.staff.access import access_staff_member
from klinik.staff.apprentices.selectors import education_plan_of, education_plans_trained_by
from klinik.staff.choices import Level, Profession
from klinik.staff.errors import StaffDomainError
from klinik.staff.forms import (
    CompetenceAddForm,
    CourseAddForm,
    MatrixFilterForm,
    PersonCompetenceForm,
    ProfileForm,
    RoleChoices,
    RoleForm,
    StaffAddForm,
    TrainingForm,
)
from klinik.staff.profiles import staff_profile, staff_profile_save
from klinik.staff.selectors import (
    CompetenceLine,
    competence_list,
    course_catalogue,
    person_competences,
)
from klinik.staff.services import competence_add, course_add, person_competence_set
from klinik.staff.training import (
    competence_matrix,
    matrix_workbook,
    training_list,
    training_record,
    training_with_certificate,
)


def _role_choices(request: ActorRequest) -> RoleChoices:
    allowed = services._assignable_roles(request.actor)
    return [(value, label) for value, label in Role.choices if value in allowed]


def _membership_in_org(request: ActorRequest, public_id: str) -> Membership:
    """Same 404 for 'missing' and 'another organisation's'."""
    actor = request.actor
    if actor.organisation is None:
        raise Http404
    membership = (
        Membership.objects.select_related("user", "unit")
        .filter(public_id=public_id, organisation=actor.organisation)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@requires(Perm.STAFF_MANAGE)
@require_GET
def staff_list_view(request: ActorRequest) -> HttpResponse:
    actor = request.actor
    if actor.organisation is None:
        raise Http404
    return render(
        request,
        "staff/staff_list.html",
        {
            "memberships": organisation_staff(organisation=actor.organisation),
            "role_choices": _role_choices(request),
            "assignable": {value for value, _label in _role_choices(request)},
        },
    )


@requires(Perm.STAFF_MANAGE)
def staff_add_view(request: ActorRequest) -> HttpResponse:
    actor = request.actor
    if actor.organisation is None:
        raise Http404
    form = StaffAddForm(
        request.POST or None,
        units=organisation_units(organisation=actor.organisation),
        roles=_role_choices(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_member_add(
                actor=actor,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"],
                role=Role(data["role"]),
                unit=data["unit"],
            )
        except StaffError as exc:
            form_error_add(form, exc)
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": data["username"]})
            return redirect("staff_list")
    return render(
        request, "staff/staff_add.html", {"form": form}, status=400 if form.errors else 200
    )


@requires(Perm.STAFF_MANAGE)
@require_POST
def staff_role_view(request: ActorRequest, public_id: str) -> HttpResponse:
    membership = _membership_in_org(request, public_id)
    form = RoleForm(request.POST, roles=_role_choices(request))
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("staff_list")
    try:
        services.membership_change_role(
            actor=request.actor, membership=membership, role=Role(form.cleaned_data["role"])
        )
    except StaffError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role has been changed."))
    return redirect("staff_list")


@requires(Perm.STAFF_MANAGE)
@require_POST
def staff_active_view(request: ActorRequest, public_id: str) -> HttpResponse:
    membership = _membership_in_org(request, public_id)
    try:
        if request.POST.get("active") == "1":
            services.membership_reactivate(actor=request.actor, membership=membership)
            messages.success(request, _("The role is active again."))
        else:
            services.membership_deactivate(actor=request.actor, membership=membership)
            messages.success(request, _("The role has been deactivated."))
    except StaffError as exc:
        messages.error(request, exc.message)
    return redirect("staff_list")


# Course catalogue and competences -------------------------------------------------------------


@requires(Perm.STAFF_MANAGE)
def course_catalogue_view(request: ActorRequest) -> HttpResponse:
    """The AMU catalogue and the competences; the manager adds the clinic's own of each."""
    actor = request.actor
    organisation = actor.organisation
    if organisation is None:
        raise Http404
    competences = list(competence_list(organisation=organisation))
    by_id = {str(c.public_id): c for c in competences}
    action = request.POST.get("action") if request.method == "POST" else None
    competence_form = CompetenceAddForm(
        request.POST if action == "competence" else None, auto_id="competence-%s"
    )
    course_form = CourseAddForm(
        request.POST if action == "course" else None,
        competences=[(key, c.name) for key, c in by_id.items()],
        auto_id="course-%s",
    )
    try:
        if action == "competence" and competence_form.is_valid():
            data = competence_form.cleaned_data
            competence_add(
                actor=actor,
                name=data["name"],
                description=data["description"],
                tasks=data["tasks"].splitlines(),
            )
            messages.success(request, _("The competence has been added."))
            return redirect("staff_courses")
        if action == "course" and course_form.is_valid():
            data = course_form.cleaned_data
            course_add(
                actor=actor,
                number=data["number"],
                title=data["title"],
                days=data["days"],
                level=data["level"],
                competences=[by_id[key] for key in data["competences"]],
            )
            messages.success(request, _("The course has been added."))
            return redirect("staff_courses")
    except StaffDomainError as exc:
        form_error_add(competence_form if action == "competence" else course_form, exc)
    return render(
        request,
        "staff/course_catalogue.html",
        {
            "courses": course_catalogue(organisation=organisation),
            "competences": competences,
            "competence_form": competence_form,
            "course_form": course_form,
        },
        status=400 if competence_form.errors or course_form.errors else 200,
    )


@requires(Perm.STAFF_MANAGE)
def staff_competences_view(request: ActorRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    membership = access_staff_member(actor, public_id)
    assert actor.organisation is not None  # access_staff_member answers 404 otherwise
    lines = person_competences(organisation=actor.organisation, user=membership.user)
    by_id = {str(line.competence.public_id): line.competence for line in lines}
    form = PersonCompetenceForm(
        request.POST or None,
        competences=[(key, competence.name) for key, competence in by_id.items()],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person_competence_set(
                actor=actor,
                membership=membership,
                competence=by_id[data["competence"]],
                level=data["level"],
                evidence=data["evidence"],
                assessed_on=data["assessed_on"],
                expires_on=data["expires_on"],
            )
        except StaffDomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The competence level has been saved."))
            return redirect("staff_competences", public_id=membership.public_id)
    return _person_page(request, membership, lines=lines, form=form)


def _course_choices(organisation: Organisation) -> list[tuple[str, str]]:
    return [
        (c.number, f"{c.number} {c.title}") for c in course_catalogue(organisation=organisation)
    ]


def _person_page(
    request: ActorRequest,
    membership: Membership,
    *,
    lines: list[CompetenceLine] | None = None,
    form: PersonCompetenceForm | None = None,
    training_form: TrainingForm | None = None,
    profile_form: ProfileForm | None = None,
) -> HttpResponse:
    organisation = request.actor.organisation
    assert organisation is not None
    if lines is None:
        lines = person_competences(organisation=organisation, user=membership.user)
    if form is None:
        form = PersonCompetenceForm(
            competences=[(str(x.competence.public_id), x.competence.name) for x in lines]
        )
    if training_form is None:
        training_form = TrainingForm(
            courses=_course_choices(organisation),
            auto_id="training-%s",
            initial={"starts_on": timezone.localdate()},
        )
    profile = staff_profile(organisation=organisation, user=membership.user)
    if profile_form is None:
        profile_form = ProfileForm(
            auto_id="profile-%s",
            initial={
                "profession": profile.profession
                if profile
                else _PROFESSION_OF.get(membership.role),
                "education": profile.education if profile else "",
                "authorisation_id": profile.authorisation_id if profile else "",
                "employed_from": profile.employed_from if profile else None,
                "employed_to": profile.employed_to if profile else None,
            },
        )
    failed = bool(form.errors or training_form.errors or profile_form.errors)
    return render(
        request,
        "staff/staff_competences.html",
        {
            "member": membership,
            "lines": lines,
            "form": form,
            "trainings": training_list(organisation=organisation, user=membership.user),
            "training_form": training_form,
            "profile": profile,
            "photo_member": membership,
            "profile_form": profile_form,
            "memberships": _memberships(organisation, membership.user),
        },
        status=400 if failed else 200,
    )


# A profile's first guess at the profession from the role.
_PROFESSION_OF: dict[str, str] = {
    Role.SECRETARY: Profession.MEDICAL_SECRETARY,
    Role.HEALTH_SERVICE_SECRETARY: Profession.HEALTH_SERVICE_SECRETARY,
    Role.NURSE: Profession.NURSE,
    Role.DOCTOR: Profession.DOCTOR,
    Role.THERAPIST: Profession.PHYSIOTHERAPIST,
    Role.APPRENTICE: Profession.APPRENTICE,
}


def _memberships(organisation: Organisation, user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation=organisation, user=user, is_active=True)
        .select_related("unit")
        .order_by("unit__name")
    )


@requires(Perm.STAFF_MANAGE)
@require_POST
def staff_profile_view(request: ActorRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    membership = access_staff_member(actor, public_id)
    form = ProfileForm(request.POST, request.FILES, auto_id="profile-%s")
    if form.is_valid():
        data = form.cleaned_data
        photo = data["photo"]
        try:
            staff_profile_save(
                actor=actor,
                membership=membership,
                profession=data["profession"],
                education=data["education"],
                authorisation_id=data["authorisation_id"],
                employed_from=data["employed_from"],
                employed_to=data["employed_to"],
                photo=photo or None,
                photo_clear=photo is False,
            )
        except StaffDomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The profile has been saved."))
            return redirect("staff_competences", public_id=membership.public_id)
    return _person_page(request, membership, profile_form=form)


@requires()
@require_GET
def staff_me_view(request: ActorRequest) -> HttpResponse:
    """The person's own profile, competence levels and training plan (read-only)."""
    actor = getattr(request, "actor", None)
    if actor is None or actor.organisation is None:
        raise Http404
    organisation, user = actor.organisation, actor.user
    memberships = _memberships(organisation, user)
    return render(
        request,
        "staff/my_page.html",
        {
            "profile": staff_profile(organisation=organisation, user=user),
            "photo_member": memberships[0] if memberships else None,
            "memberships": memberships,
            "lines": person_competences(organisation=organisation, user=user),
            "trainings": training_list(organisation=organisation, user=user),
            "education_plan": education_plan_of(organisation=organisation, apprentice_id=user.pk),
            "trained_plans": education_plans_trained_by(organisation=organisation, user_id=user.pk),
        },
    )


@requires(Perm.STAFF_MANAGE)
@require_POST
def staff_training_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Plan a course for the person, or record one completed (the person's page)."""
    actor = request.actor
    membership = access_staff_member(actor, public_id)
    assert actor.organisation is not None
    form = TrainingForm(
        request.POST,
        request.FILES,
        courses=_course_choices(actor.organisation),
        auto_id="training-%s",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            training_record(
                actor=actor,
                membership=membership,
                course_number=data["course"],
                status=data["status"],
                starts_on=data["starts_on"],
                completed_on=data["completed_on"],
                expires_on=data["expires_on"],
                provider=data["provider"],
                certificate=data["certificate"],
            )
        except StaffDomainError as exc:
            form_error_add(form, exc, {"course": "course"})
        else:
            messages.success(request, _("The course has been saved."))
            return redirect("staff_competences", public_id=membership.public_id)
    return _person_page(request, membership, training_form=form)


@requires(Perm.STAFF_MANAGE)
@require_GET
def staff_matrix_view(request: ActorRequest) -> HttpResponse:
    """People by competences with levels, gaps and planned courses; by unit; as Excel."""
    organisation = request.actor.organisation
    if organisation is None:
        raise Http404
    units = organisation_units(organisation=organisation)
    form = MatrixFilterForm(request.GET or None, units=units)
    unit = form.cleaned_data["unit"] if form.is_valid() else None
    matrix = competence_matrix(organisation=organisation, unit=unit)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            matrix_workbook(matrix),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="kompetencematrix.xlsx"'
        return response
    # The chart: per competence, how many people at each level and how many gaps.
    bars = [*Level.choices, ("gap", _("Gap"))]
    chart = [
        (competence, [(label, counts[value], len(matrix.rows)) for value, label in bars])
        for competence, counts in zip(matrix.competences, matrix.counts, strict=True)
    ]
    return render(request, "staff/matrix.html", {"matrix": matrix, "form": form, "chart": chart})


@requires()
@require_GET
def training_certificate_view(request: ActorRequest, public_id: uuid.UUID) -> FileResponse:
    """A course certificate as it was uploaded, downloaded (never shown: it was not checked):
    for the staff managers and the person themself; 404 for others."""
    actor = request.actor
    if actor.organisation is None:
        raise Http404
    training = training_with_certificate(organisation=actor.organisation, public_id=public_id)
    if training is None or not (actor.can(Perm.STAFF_MANAGE) or training.user_id == actor.user.pk):
        raise Http404
    suffix = Path(training.certificate.name or "").suffix.lower()[:8]
    response = FileResponse(
        training.certificate.open("rb"),
        as_attachment=True,
        filename=f"kursusbevis-{training.course.number}{suffix}",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@requires()
@require_GET
def staff_photo_view(request: ActorRequest, public_id: str) -> FileResponse:
    """A person's photo: for the staff managers and the person themself; 404 for others."""
    actor = request.actor
    membership = access_staff_member(actor, public_id)
    if not (actor.can(Perm.STAFF_MANAGE) or membership.user_id == actor.user.pk):
        raise Http404
    assert actor.organisation is not None
    profile = staff_profile(organisation=actor.organisation, user=membership.user)
    if profile is None or not profile.photo:
        raise Http404
    kind = "image/png" if (profile.photo.name or "").endswith(".png") else "image/jpeg"
    response = FileResponse(profile.photo.open("rb"), content_type=kind)
    response["Cache-Control"] = "private, no-store"
    return response
