"""Factories for organisations, units and staff. Synthetic data only."""

import factory
from django.contrib.auth.hashers import make_password

from klinik.core.choices import OrganisationKind, Role, UnitKind
from klinik.core.models import Community, Membership, Organisation, Unit, User

TEST_PASSWORD = "korrekt-hest-batteri-42"
# Hash once: the test suite creates many users and hashing is slow by design.
_TEST_PASSWORD_HASH = make_password(TEST_PASSWORD)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    slug = factory.Sequence(lambda n: f"faellesskab-{n}")
    name = factory.Sequence(lambda n: f"Sundhedshus {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"klinik-{n}")
    name = factory.Sequence(lambda n: f"Klinik {n}")
    kind = OrganisationKind.GENERAL_PRACTICE


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Afsnit {n}")
    slug = factory.Sequence(lambda n: f"afsnit-{n}")
    kind = UnitKind.CLINIC


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"bruger{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = _TEST_PASSWORD_HASH


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    organisation = factory.LazyAttribute(lambda m: m.unit.organisation if m.unit else None)
    role = Role.SECRETARY


def totp_enrol(user: User) -> str:
    """Enrol `user` in two-factor login as the setup screen leaves it; the clear secret."""
    import pyotp
    from django.utils import timezone

    from klinik.core.crypto import field_encrypt

    secret = pyotp.random_base32()
    user.totp_secret = field_encrypt(secret)
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return secret
