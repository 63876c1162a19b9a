"""The test's clock. The suite starts every process at one instant (`KLINIK_TEST_NOW`, see the
root conftest) and lets it tick; a test that needs "now" at a known moment sets this clock,
which stops time there (time-machine) until it is set or advanced again. Everything reads it:
timezone.now(), datetime.now(), date.today(), time.time()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.utils import timezone


class Clock:
    def __init__(self) -> None:
        self._moment: datetime | None = None
        self._traveller: time_machine.travel | None = None

    @property
    def now(self) -> datetime:
        """Where the clock stands (UTC); before `set`, the suite's ticking time."""
        return self._moment if self._moment is not None else timezone.now()

    def set(self, when: datetime) -> datetime:
        self.stop()
        self._moment = when.astimezone(UTC)
        self._traveller = time_machine.travel(self._moment, tick=False)
        self._traveller.start()
        return self._moment

    def advance(self, **delta: float) -> datetime:
        assert self._moment is not None, "set the clock first"
        return self.set(self._moment + timedelta(**delta))

    def stop(self) -> None:
        """Back to the suite's ticking time."""
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None
