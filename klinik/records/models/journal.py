"""The journal: entries and their signatures (append-only, see models.base), drafts,
note templates and phrases."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.records.choices import EntryType
from klinik.records.models.base import (
    ImmutableModel,
    organisation_field,
    patient_field,
    user_field,
)
from klinik.records.models.contacts import Contact


class JournalEntry(ImmutableModel):
    """One saved entry in the record. Versions of one entry share `thread`; a correction is a
    new row with `supersedes` pointing at the version it replaces (at most one successor)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = organisation_field()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = patient_field()
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    entry_type = models.CharField(_("type"), max_length=12, choices=EntryType.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    author = user_field()
    # The clinician answerable for the entry; signs entries that need it.
    responsible = user_field(null=True)
    # When the entry was saved to the record, and the clinical time it describes.
    recorded_at = models.DateTimeField(default=timezone.now)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    thread = models.UUIDField(default=uuid.uuid4)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    correction_reason = models.CharField(_("reason for correction"), max_length=300, blank=True)
    # Written by someone who may not sign (a secretary, a student): unapproved until signed.
    needs_signature = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-occurred_at", "-id"],
                name="rec_entry_timeline_idx",
            ),
            models.Index(
                fields=["organisation", "responsible", "recorded_at"],
                condition=Q(needs_signature=True),
                name="rec_entry_to_sign_idx",
            ),
            models.Index(fields=["thread", "version"], name="rec_entry_thread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["thread", "version"], name="rec_entry_one_version"),
            models.CheckConstraint(
                condition=(Q(version=1) & Q(supersedes__isnull=True))
                | (Q(version__gt=1) & Q(supersedes__isnull=False) & ~Q(correction_reason="")),
                name="rec_entry_correction_linked",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="rec_entry_text"),
        ]

    def __str__(self) -> str:
        return f"journal entry {self.public_id} v{self.version}"


class JournalSignature(ImmutableModel):
    """The responsible clinician's approval of one entry version. Signing adds; it never edits."""

    organisation = organisation_field()
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="signature")
    signed_by = user_field()
    signed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"signature of {self.entry_id}"


class JournalDraft(models.Model):
    """Work in progress outside the record; autosaved by the editor, deleted when saved."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = organisation_field()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = patient_field()
    author = user_field()
    responsible = user_field(null=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry_type = models.CharField(
        _("type"), max_length=12, choices=EntryType.choices, default=EntryType.NOTE
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    # A draft of a correction names the version it will replace.
    corrects = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "author"], name="rec_draft_patient_idx"
            ),
            models.Index(fields=["organisation", "author", "-updated_at"], name="rec_draft_mine"),
        ]

    def __str__(self) -> str:
        return f"draft {self.public_id}"


class NoteTemplate(models.Model):
    """A unit's (or the whole organisation's) note template: headings such as S/O/V/P."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = organisation_field()
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    entry_type = models.CharField(
        _("type"), max_length=12, choices=EntryType.choices, default=EntryType.NOTE
    )
    headings = models.JSONField(_("headings"), default=list)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["organisation", "unit"], name="rec_template_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "unit", "name"], name="rec_template_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Phrase(models.Model):
    """A text snippet typed by its shortcut in the editor (fraser): the whole organisation's
    (no unit, no owner), a unit's, or one person's own (owner set, no unit). The text may hold
    merge fields (`{fornavn}`, `{dato}`, `{behandler}`) filled in when it is inserted."""

    organisation = organisation_field()
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = user_field(null=True)
    shortcut = models.CharField(_("shortcut"), max_length=20)
    text = models.TextField(_("text"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["shortcut"]
        indexes = [models.Index(fields=["organisation", "unit"], name="rec_phrase_idx")]
        # One shortcut per scope; NULLs are distinct in a plain unique constraint, so each
        # scope has its own conditional one.
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "unit", "shortcut"],
                condition=models.Q(unit__isnull=False),
                name="rec_phrase_unique_shortcut",
            ),
            models.UniqueConstraint(
                fields=["organisation", "shortcut"],
                condition=models.Q(unit__isnull=True, owner__isnull=True),
                name="rec_phrase_unique_org_shortcut",
            ),
            models.UniqueConstraint(
                fields=["organisation", "owner", "shortcut"],
                condition=models.Q(owner__isnull=False),
                name="rec_phrase_unique_own_shortcut",
            ),
            models.CheckConstraint(
                condition=models.Q(unit__isnull=True) | models.Q(owner__isnull=True),
                name="rec_phrase_unit_or_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.shortcut
