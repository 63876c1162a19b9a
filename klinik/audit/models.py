from django.db import models
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel, Purpose, ReviewOutcome


class AppendOnlyQuerySet(models.QuerySet["AccessLogEntry"]):
    """Refuses bulk changes; the database triggers refuse the rest (see migration 0002)."""

    def update(self, **kwargs: object) -> int:
        raise TypeError("The access log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The access log is append-only")


class AccessLogEntry(models.Model):
    """One use of patient data (or a security event), hash-chained to the entry before it.

    Organisation may be empty for events outside any organisation (a failed login).
    """

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    user = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(null=True, blank=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    reason = models.TextField(blank=True)
    is_break_glass = models.BooleanField(default=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    # Which key signed entry_hash (klinik.audit.keys); "" for entries from before the chain
    # was keyed, accepted only up to ChainHead.legacy_seq.
    key_id = models.CharField(max_length=16, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        indexes = [
            models.Index(fields=["patient_id", "occurred_at"], name="audit_entry_patient_idx"),
            models.Index(fields=["organisation", "occurred_at"], name="audit_entry_org_idx"),
            models.Index(fields=["user", "occurred_at"], name="audit_entry_user_idx"),
            models.Index(
                fields=["organisation", "seq"],
                condition=models.Q(action="setup_change"),
                name="audit_entry_setup_idx",
            ),
            models.Index(
                fields=["organisation", "seq"],
                condition=models.Q(is_break_glass=True),
                name="audit_entry_break_glass_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}"


class ChainHead(models.Model):
    """The chain's single head row: its lock serialises appends; its values catch truncation.

    The database lets it only move forward (migration 0008); the witness checkpoints outside
    the database catch a head rewound by someone who can get past that.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    # The hash before last_hash, set by each append.
    prev_hash = models.CharField(max_length=64, default="")
    last_hash = models.CharField(max_length=64)
    # Entries up to this number were written before the chain was keyed. Migration 0007 sets
    # it once and seals it, with the key, to the hash of that entry ("key id:HMAC"); nothing
    # changes either after. 0 (and no seal) on databases that never held unkeyed entries.
    legacy_seq = models.BigIntegerField(default=0)
    legacy_seal = models.CharField(max_length=96, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"head #{self.seq}"


class BreakGlassReview(models.Model):
    """A manager's review of one break-the-glass access. Entries stay untouched."""

    entry = models.OneToOneField(AccessLogEntry, on_delete=models.PROTECT, related_name="review")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices)
    comment = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "reviewed_at"], name="audit_review_org_idx")
        ]

    def __str__(self) -> str:
        return f"review of #{self.entry_id}"
