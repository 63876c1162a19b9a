import random
from datetime import date, timedelta

import factory

from klinik.patients.cpr import synthetic_cpr
from klinik.patients.models import Patient

_rng = random.Random(20261126)


def _cpr(patient: object) -> str:
    return synthetic_cpr(patient.birth_date, male=_rng.random() < 0.5, rng=_rng)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    organisation = factory.LazyAttribute(lambda p: p.unit.organisation)
    unit = None
    given_name = factory.Sequence(lambda n: f"Søren{n}")
    family_name = "Kierkegaard"
    birth_date = factory.LazyFunction(
        lambda: date(1940, 1, 1) + timedelta(days=_rng.randrange(365 * 80))
    )
    cpr = factory.LazyAttribute(_cpr)
