import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from klinik.core.lookups import Glob
from klinik.patients.choices import (
    LANGUAGE_CHOICES,
    ContactChannel,
    IdentifierKind,
    InsuranceGroup,
    PatientStatus,
    RelativeRelation,
    Sex,
)


class Patient(models.Model):
    """A person in one organisation's patient register."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed by the (organisation, cpr) constraint and the other indexes starting with it.
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The unit the patient belongs to (lists, default care relation). Empty: the whole organisation.
    unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(
        max_length=10, choices=PatientStatus.choices, default=PatientStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Identity
    identifier_kind = models.CharField(
        _("kind of number"),
        max_length=8,
        choices=IdentifierKind.choices,
        default=IdentifierKind.CPR,
    )
    cpr = models.CharField(_("CPR number"), max_length=10)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("legal sex"), max_length=8, choices=Sex.choices)
    given_name = models.CharField(_("given names"), max_length=200)
    family_name = models.CharField(_("family name"), max_length=200)
    # Contact
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DK")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_channel = models.CharField(
        _("preferred contact"),
        max_length=16,
        choices=ContactChannel.choices,
        default=ContactChannel.DIGITAL_POST,
    )
    language = models.CharField(_("language"), max_length=8, default="da")
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    # Care and insurance
    gp_name = models.CharField(_("own GP"), max_length=200, blank=True)
    gp_provider_number = models.CharField(_("GP provider number"), max_length=10, blank=True)
    insurance_group = models.PositiveSmallIntegerField(
        _("health insurance group"), choices=InsuranceGroup.choices, default=1
    )
    # Consents and protection
    consent_share_information = models.BooleanField(
        _("consents to sharing information"), default=False
    )
    consent_sms = models.BooleanField(_("consents to SMS"), default=False)
    consent_email = models.BooleanField(_("consents to e-mail"), default=False)
    is_address_protected = models.BooleanField(_("name and address protection"), default=False)
    deceased_date = models.DateField(_("date of death"), null=True, blank=True)
    reception_note = models.TextField(_("note for reception (not clinical)"), blank=True)
    # GDPR: processing restricted instead of erased while records must be kept.
    is_restricted = models.BooleanField(_("processing restricted"), default=False)
    restriction_reason = models.TextField(_("reason for restriction"), blank=True)
    # Search keys (see search.py)
    sort_name = models.CharField(max_length=200, editable=False)
    phone_digits = models.CharField(max_length=20, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [
            models.Index(fields=["organisation", "phone_digits"], name="patients_phone_idx"),
            models.Index(fields=["organisation", "unit"], name="patients_unit_idx"),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="patients_merged_into_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "cpr"], name="patients_patient_unique_cpr_per_org"
            ),
            # Six digits (birth date), a digit, two digits or letters (replacement numbers),
            # a digit. GLOB, not a regex: SQLite checks a regex in Python for every insert.
            models.CheckConstraint(
                condition=Glob(F("cpr"), "[0-9]" * 7 + "[0-9A-Z]" * 2 + "[0-9]"),
                name="patients_patient_cpr_shape",
            ),
            models.CheckConstraint(
                condition=Q(deceased_date__isnull=True) | Q(deceased_date__gte=F("birth_date")),
                name="patients_patient_dies_after_birth",
            ),
            models.CheckConstraint(
                condition=Q(status=PatientStatus.MERGED, merged_into__isnull=False)
                | Q(status=PatientStatus.ACTIVE, merged_into__isnull=True),
                name="patients_patient_merge_state",
            ),
            models.CheckConstraint(
                condition=Q(insurance_group__in=[1, 2]), name="patients_patient_insurance_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def language_name(self) -> str:
        """The preferred language in words, or its code when not a listed one. Danish writes
        language names in lower case ("dansk"), English capitalised ("Danish")."""
        name = str(dict(LANGUAGE_CHOICES).get(self.language, self.language))
        return name.lower() if (get_language() or "").startswith("da") else name

    @property
    def cpr_display(self) -> str:
        return f"{self.cpr[:6]}-{self.cpr[6:]}"

    @property
    def is_replacement_number(self) -> bool:
        return self.identifier_kind != IdentifierKind.CPR


class PatientNameToken(models.Model):
    """One folded word of a patient's names, for prefix search in any word order.

    `words` repeats all the patient's folded words (" anne marie jensen"), so a query's other
    terms are checked on the row found through the index, without a second lookup.
    """

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=40)
    sort_name = models.CharField(max_length=200)
    words = models.CharField(max_length=300)

    class Meta:
        indexes = [
            # `words` is part of the key so that filtering on it needs no table lookups.
            models.Index(
                fields=["organisation", "token", "sort_name", "patient", "words"],
                name="patients_token_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.token


class Relative(models.Model):
    """A relative (pårørende) and whether they may be informed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="relatives")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=16, choices=RelativeRelation.choices)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    may_be_informed = models.BooleanField(_("may be informed"), default=False)
    is_primary_contact = models.BooleanField(_("primary contact"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "patient"], name="patients_relative_idx")]

    def __str__(self) -> str:
        return self.name


class PatientChange(models.Model):
    """One field's change: who, when, old and new value. Rectification keeps the history."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="changes")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    field = models.CharField(max_length=64)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "changed_at"], name="patients_change_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.field} @ {self.changed_at}"


class PatientMerge(models.Model):
    """A merge of `source` into `target`, with what moved, so an admin can undo it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    merged_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField(default=dict)  # {"label": [ids moved from source to target]}
    target_before = models.JSONField(default=dict)  # target fields the merge filled in
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "merged_at"], name="patients_merge_idx")]

    def __str__(self) -> str:
        return f"merge {self.public_id}"


class FormerIdentifier(models.Model):
    """A number the patient had before (a replacement number, or a CPR number changed)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="former_identifiers"
    )
    identifier = models.CharField(max_length=10)
    identifier_kind = models.CharField(max_length=8, choices=IdentifierKind.choices)
    replaced_at = models.DateTimeField()
    replaced_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "identifier"], name="patients_former_id_idx")
        ]

    def __str__(self) -> str:
        return self.identifier


class PatientAccessGrant(models.Model):
    """Break the glass: time-limited access to a patient outside the user's care relation."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "user", "patient", "expires_at"],
                name="patients_grant_lookup_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="patients_grant_has_reason"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("granted_at")), name="patients_grant_expires"
            ),
        ]

    def __str__(self) -> str:
        return f"grant {self.pk}"
