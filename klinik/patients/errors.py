import uuid

from django.utils.translation import gettext_lazy as _


class BreakGlassRequired(Exception):
    """The actor has no care relation to the patient: access needs a reason (break the glass)."""

    MESSAGE = _(
        "The patient is not connected to your unit. State why you need access; "
        "the access is logged and reviewed."
    )

    def __init__(self, patient_public_id: uuid.UUID) -> None:
        super().__init__(str(self.MESSAGE))
        self.patient_public_id = patient_public_id


class BreakGlassReasonMissing(Exception):
    MESSAGE = _("A reason is required to break the glass.")
