import random
from datetime import date, timedelta

import factory

from klinik.patients.models import Patient
from klinik.patients.services import patient_search_index
from klinik.patients.synthetic import synthetic_cpr

_rng = random.Random(20261126)


def _cpr(patient: object) -> str:
    return synthetic_cpr(patient.birth_date, male=patient.sex == "male", rng=_rng)


class PatientFactory(factory.django.DjangoModelFactory):
    """A patient with search keys, as the register would write it (synthetic CPR only)."""

    class Meta:
        model = Patient

    organisation = factory.LazyAttribute(lambda p: p.unit.organisation)
    unit = None
    given_name = factory.Sequence(lambda n: f"Søren{n}")
    family_name = "Kierkegaard"
    sex = factory.LazyFunction(lambda: _rng.choice(["male", "female"]))
    birth_date = factory.LazyFunction(
        lambda: date(1940, 1, 1) + timedelta(days=_rng.randrange(365 * 80))
    )
    cpr = factory.LazyAttribute(_cpr)

    @classmethod
    def _create(cls, model_class: type[Patient], *args: object, **kwargs: object) -> Patient:
        patient = model_class(*args, **kwargs)
        patient_search_index(patient)
        return patient
