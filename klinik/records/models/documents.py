"""Documents: attachments stored outside the web root."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.records.choices import DocumentKind
from klinik.records.models.base import organisation_field, patient_field, user_field
from klinik.records.models.contacts import Contact


class Document(models.Model):
    """An attachment stored outside the web root under DATA_DIR/documents/<storage_key>."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = organisation_field()
    patient = patient_field()
    kind = models.CharField(max_length=8, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=200, unique=True)
    uploaded_by = user_field()
    uploaded_at = models.DateTimeField(default=timezone.now)
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-uploaded_at"], name="rec_doc_patient_idx"
            )
        ]

    def __str__(self) -> str:
        return f"document {self.public_id}"
