from django.core.checks import run_checks

from klinik.core.choices import Role
from klinik.core.policy import RECORD_ROLES, ROLE_PERMISSIONS, Perm, permissions_for


def test_every_role_has_a_permission_set():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_only_clinical_and_secretary_roles_read_records():
    assert {
        Role.SECRETARY,
        Role.DOCTOR,
        Role.NURSE,
        Role.THERAPIST,
        Role.LAB_TECHNICIAN,
        Role.APPRENTICE,
    } == RECORD_ROLES


def test_signing_is_for_authorised_health_persons_only():
    signers = {role for role, perms in ROLE_PERMISSIONS.items() if Perm.RECORD_SIGN in perms}
    assert signers == {Role.DOCTOR, Role.THERAPIST}


def test_system_admin_holds_no_patient_permission():
    perms = permissions_for(Role.SYSTEM_ADMIN, community_scope=False)
    assert not any(p.value.startswith("record.") for p in perms)
    assert Perm.PATIENT_VIEW not in perms and Perm.PATIENT_EDIT not in perms


def test_community_scope_is_reception_only():
    for role in Role:
        scoped = permissions_for(role, community_scope=True)
        assert scoped <= {Perm.PATIENT_VIEW, Perm.SCHEDULE_VIEW, Perm.SCHEDULE_BOOK}


def test_every_view_declares_its_permission_or_is_public():
    errors = [e for e in run_checks() if e.id in {"core.E001", "core.E002"}]
    assert errors == []
