import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinik.core.choices import OrganisationKind, Role, UnitKind
from klinik.core.slugs import UNIT_SLUG_MAX_LENGTH, validate_unit_slug


class Community(models.Model):
    """A clinic community (klinikfællesskab): organisations that share reception staff."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("clinic community")
        verbose_name_plural = _("clinic communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A data controller: a GP practice, a clinic, a hospital."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    cvr = models.CharField(_("CVR number"), max_length=8, blank=True)
    sor_code = models.CharField(_("SOR code"), max_length=20, blank=True)
    # The GP provider number (ydernummer) the regions pay the practice under.
    provider_number = models.CharField(_("provider number (ydernummer)"), max_length=7, blank=True)
    gln = models.CharField(_("EAN/GLN location number"), max_length=13, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # The letterhead logo under DATA_DIR/logos/ (a random name, never the uploaded one).
    logo_key = models.CharField(max_length=100, blank=True)
    community = models.ForeignKey(
        Community,
        verbose_name=_("clinic community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A department, clinic, location or team inside an organisation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("name"), max_length=200)
    # The readable part of the public booking link, /book/<slug>/: unique across all
    # organisations, since the link names no organisation.
    slug = models.SlugField(
        _("online booking address"),
        max_length=UNIT_SLUG_MAX_LENGTH,
        unique=True,
        validators=[validate_unit_slug],
        help_text=_("The booking link is /book/<address>/: lower-case letters, digits, hyphens."),
    )
    # Shown to patients where the public pages ask them to call the clinic.
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    sor_code = models.CharField(_("SOR code"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="core_unit_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. Roles come from memberships, never from the user itself."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Fernet-encrypted (klinik.core.crypto), never the clear secret.
    totp_secret = models.CharField(max_length=255, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Set when someone else chose the password (a new staff member): changed at first login.
    must_change_password = models.BooleanField(default=False)
    # The last accepted TOTP time step: a code is never accepted twice.
    totp_last_step = models.BigIntegerField(default=0)
    preferred_language = models.CharField(
        _("language"), max_length=8, choices=[("da", "Dansk"), ("en", "English")], default="da"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def has_totp(self) -> bool:
        return self.totp_confirmed_at is not None


class Membership(models.Model):
    """A user's role in a unit of an organisation, or at a clinic community's shared reception.

    Exactly one scope: a unit (and its organisation) or a community.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["organisation", "is_active"], name="core_member_org_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, organisation__isnull=False, community__isnull=True)
                    | Q(unit__isnull=True, organisation__isnull=True, community__isnull=False)
                ),
                name="core_membership_one_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "unit"],
                condition=Q(is_active=True, unit__isnull=False),
                name="core_membership_one_active_per_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(is_active=True, community__isnull=False),
                name="core_membership_one_active_per_community",
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit or self.community
        return f"{self.user} - {self.get_role_display()} - {scope}"


class ApiToken(models.Model):
    """A bearer token acting for one user in one organisation (through a membership there, or
    a community membership covering it). Only its hash is stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Recorded at most once a minute per token.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Refused from this moment on; null: until revoked.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "user"], name="core_apitoken_org_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class RateLimitCounter(models.Model):
    """Attempts of one kind from one client in its current window (klinik.core.ratelimit).
    The client is a hash of its address, never the address."""

    key = models.CharField(max_length=100, unique=True)
    hits = models.PositiveIntegerField(default=0)
    # Unix seconds: compared in SQL on both databases without date conversions.
    window_end = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["window_end"], name="core_ratelimit_end_idx")]

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
