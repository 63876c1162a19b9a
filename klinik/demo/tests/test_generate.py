from io import StringIO

from django.core.management import call_command

from klinik.audit.selectors import access_log_verify
from klinik.core.choices import Role
from klinik.demo import names
from klinik.patients.identifiers import parse_identifier
from klinik.patients.models import Patient, PatientNameToken
from klinik.patients.search import name_tokens
from klinik.patients.selectors import patient_search


def test_generate_makes_valid_searchable_patients(world, actor_for):
    out = StringIO()
    call_command(
        "generate",
        "patients",
        "--count",
        "600",
        "--org",
        world.org_a.slug,
        "--seed",
        "3",
        stdout=out,
    )
    assert "600 patients" in out.getvalue()
    generated = Patient.objects.filter(organisation=world.org_a).exclude(
        pk__in=[world.patient_a.pk, world.patient_a2.pk]
    )
    assert generated.count() == 600
    for patient in generated[:200]:
        parsed = parse_identifier(patient.cpr)  # every number is valid
        assert parsed.birth_date == patient.birth_date
        tokens = set(
            PatientNameToken.objects.filter(patient=patient).values_list("token", flat=True)
        )
        assert tokens == set(name_tokens(patient.given_name, patient.family_name))
    # Every given name matches the sex the CPR number says (its last digit: odd for men).
    female = {name for name, _ in names.FEMALE} | set(names.MIDDLE_FEMALE)
    male = {name for name, _ in names.MALE} | set(names.MIDDLE_MALE)
    for cpr, given in generated.values_list("cpr", "given_name"):
        wrong = female if int(cpr[-1]) % 2 else male
        assert not set(given.split()) & wrong, (cpr[-1], given)
    some = generated.first()
    hits = patient_search(
        actor=actor_for(world.member(Role.SECRETARY)), query=some.cpr, channel="ui"
    )
    assert [h.public_id for h in hits] == [some.public_id]
    assert access_log_verify().is_intact
