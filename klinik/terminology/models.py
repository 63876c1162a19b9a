"""SKS codes, the Latin/Danish glossary, Danish postal codes and the log of imports.

Global reference data, not organisation-owned: every organisation reads the same codes (the
core check on organisation keys covers only the tenant apps).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from klinik.terminology.choices import CodeSource, RunKind


class SKSCode(models.Model):
    """One version of an SKS code as published in SKScomplete.txt (one row per version)."""

    register = models.CharField(_("register"), max_length=3)
    code = models.CharField(_("code"), max_length=20)
    text = models.CharField(_("text"), max_length=250)
    valid_from = models.DateField(_("valid from"))
    # Last day of validity (inclusive); null = open-ended (`25000101` in the file).
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    changed = models.DateField(_("changed"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=6, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=CodeSource.choices)

    class Meta:
        verbose_name = _("SKS code")
        verbose_name_plural = _("SKS codes")
        constraints = [
            models.UniqueConstraint(
                fields=["register", "code", "valid_from"], name="terminology_skscode_version"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="terminology_skscode_valid_span",
            ),
        ]
        indexes = [models.Index(fields=["code", "valid_from"], name="terminology_code_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class GlossaryTerm(models.Model):
    """A term of medical Latin with its Danish professional form and a plain rendering."""

    latin = models.CharField(_("Latin"), max_length=200)
    danish = models.CharField(_("Danish"), max_length=200)
    plain = models.CharField(_("plain language"), max_length=300, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    # Whether the Danish form follows the spelling rules (fordanskning) or is an exception.
    regular = models.BooleanField(_("follows the spelling rules"), default=True)

    class Meta:
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        ordering = ["latin"]
        constraints = [
            # `latin` is stored with single spaces; case is ignored.
            models.UniqueConstraint(Lower("latin"), name="terminology_glossary_unique_latin")
        ]

    def __str__(self) -> str:
        return self.latin


class PostalCode(models.Model):
    """A Danish postal code and the town it is addressed to ("8000", "Aarhus C"), from the
    shipped table (data/postal_codes.tsv) or a newer file loaded with `klinik terminology
    postal`. Several codes share a town; a code has one town."""

    code = models.CharField(_("postal code"), max_length=4, unique=True)
    city = models.CharField(_("city"), max_length=100)

    class Meta:
        verbose_name = _("postal code")
        verbose_name_plural = _("postal codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.city}"


class ImportRun(models.Model):
    """One run of an SKS import, of the starter set or of the postal codes; the latest one
    versions the data."""

    # Changes with every run (also after a rollback): keys the in-process search index.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=RunKind.choices)
    file_name = models.CharField(_("file"), max_length=300)
    source_url = models.CharField(_("downloaded from"), max_length=500, blank=True)
    # The raw HTTP header, sent back as If-Modified-Since on the next update.
    last_modified = models.CharField(_("Last-Modified"), max_length=64, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # The date the source published or delivered the data (the postal-code file's `# date:`).
    source_date = models.DateField(_("source date"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_created = models.PositiveIntegerField(_("rows created"), default=0)
    rows_updated = models.PositiveIntegerField(_("rows updated"), default=0)
    rows_closed = models.PositiveIntegerField(_("rows closed"), default=0)
    rows_deleted = models.PositiveIntegerField(_("rows deleted"), default=0)
    problems = models.PositiveIntegerField(_("malformed lines"), default=0)
    problem_sample = models.TextField(_("first malformed lines"), blank=True)

    class Meta:
        verbose_name = _("terminology import")
        verbose_name_plural = _("terminology imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.started_at:%Y-%m-%d %H:%M}"
