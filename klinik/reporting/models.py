"""Reporting's own state; each sub-package keeps its models in its own module."""

from klinik.reporting.drg.models import DrgImport, DrgValue
from klinik.reporting.lpr3_report.models import Lpr3Finding, Lpr3Submission, Severity

__all__ = ["DrgImport", "DrgValue", "Lpr3Finding", "Lpr3Submission", "Severity"]
