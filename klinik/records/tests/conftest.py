"""Fixtures every records test may use: `record_world` (see factories.py)."""

from klinik.records.tests.factories import record_world

__all__ = ["record_world"]
