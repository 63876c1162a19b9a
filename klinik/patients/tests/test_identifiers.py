from datetime import date

import pytest
from django.db import DataError, IntegrityError, transaction

from klinik.core.lookups import glob_to_regex
from klinik.patients.choices import IdentifierKind, Sex
from klinik.patients.identifiers import IdentifierError, parse_identifier
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("raw", "birth", "sex"),
    [
        ("0101901233", date(1990, 1, 1), Sex.MALE),
        ("010190-1233", date(1990, 1, 1), Sex.MALE),
        (" 010190 1234 ", date(1990, 1, 1), Sex.FEMALE),
        ("2110625628", date(1862, 10, 21), Sex.FEMALE),  # digit 7 = 5, YY 62 -> 1800s
        ("0101104000", date(2010, 1, 1), Sex.FEMALE),  # digit 7 = 4, YY 10 -> 2000s
        ("0101504000", date(1950, 1, 1), Sex.FEMALE),  # digit 7 = 4, YY 50 -> 1900s
    ],
)
def test_cpr_numbers_give_birth_date_and_default_sex(raw, birth, sex):
    parsed = parse_identifier(raw, today=TODAY)
    assert parsed.kind == IdentifierKind.CPR
    assert parsed.birth_date == birth
    assert parsed.sex == sex
    assert len(parsed.value) == 10


def test_a_number_failing_modulus_11_is_accepted_with_a_warning():
    parsed = parse_identifier("0101651234", today=TODAY)  # post-2007 numbers may fail it
    assert not parsed.passes_modulus11
    assert parsed.warnings and "modulus" in parsed.warnings[0].lower()


def test_a_number_passing_modulus_11_has_no_warning():
    assert parse_identifier("0707614285", today=TODAY).warnings == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("3102001234", IdentifierError.DATE),
        ("0113901234", IdentifierError.DATE),
        ("12345", IdentifierError.LENGTH),
        ("01019012345", IdentifierError.LENGTH),
        ("01019O1234", IdentifierError.CHARACTERS),
        ("abcdefghij", IdentifierError.CHARACTERS),
        ("0101375234", IdentifierError.FUTURE),  # digit 7 = 5, YY 37 -> 2037
        ("010190-9AB2", IdentifierError.ECPR_DIGIT),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw, message):
    with pytest.raises(IdentifierError) as exc:
        parse_identifier(raw, today=TODAY)
    assert exc.value.message == message


@pytest.mark.parametrize(
    ("raw", "kind", "birth"),
    [
        ("010190-1AB2", IdentifierKind.X_ECPR, date(1990, 1, 1)),
        ("0101107XY3", IdentifierKind.X_ECPR, date(2010, 1, 1)),
        ("280456-0PJ2", IdentifierKind.D_ECPR, date(1956, 4, 28)),
        ("2804566pj1", IdentifierKind.D_ECPR, date(2056, 4, 28)),
    ],
)
def test_replacement_numbers(raw, kind, birth):
    if birth > TODAY:
        with pytest.raises(IdentifierError):
            parse_identifier(raw, today=TODAY)
        return
    parsed = parse_identifier(raw, today=TODAY)
    assert parsed.kind == kind
    assert parsed.birth_date == birth
    assert parsed.value == parsed.value.upper()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cpr", "is_stored"),
    [
        ("0101901233", True),
        ("0101901AB2", True),  # a replacement number: letters in places 8 and 9
        ("010190123", False),
        ("01019012334", False),
        ("010190-123", False),
        ("0101901ab2", False),  # the register stores letters upper case
        ("A101901233", False),
        ("0101901233\n", False),
        ("\uff10101901233", False),  # a full-width digit
    ],
)
def test_the_database_refuses_a_malformed_number(world, cpr, is_stored):
    """The register validates numbers before saving; the constraint is the last guard."""
    patient = PatientFactory.build(unit=world.unit_a)
    patient.cpr = cpr
    if is_stored:
        patient.save()
        return
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        patient.save()
    assert not Patient.objects.filter(cpr=cpr).exists()


@pytest.mark.parametrize(
    ("pattern", "regex"),
    [
        ("[0-9][0-9A-Z]", "^[0-9][0-9A-Z]$"),
        ("a*b?c", "^a.*b.c$"),
        ("[^a-z].", r"^[^a-z]\.$"),
    ],
)
def test_glob_patterns_become_anchored_regular_expressions(pattern, regex):
    assert glob_to_regex(pattern) == regex
