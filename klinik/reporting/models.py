"""The reporting app's tables live in its sub-packages; Django finds them through here."""

from klinik.reporting.drg.models import DrgImport, DrgValue

__all__ = ["DrgImport", "DrgValue"]
