"""LocalDate and HoursBetween: the local day of a stored UTC moment, computed by the database,
around midnight in winter and summer and on the nights the clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from klinik.core.expressions import HoursBetween, LocalDate, offset_spans
from klinik.core.tests.factories import OrganisationFactory
from klinik.reporting.models import DrgImport

MOMENTS = [
    (datetime(2026, 1, 10, 22, 59, tzinfo=UTC), date(2026, 1, 10)),  # 23:59 CET
    (datetime(2026, 1, 10, 23, 0, tzinfo=UTC), date(2026, 1, 11)),  # 00:00 CET
    (datetime(2026, 6, 10, 21, 59, tzinfo=UTC), date(2026, 6, 10)),  # 23:59 CEST
    (datetime(2026, 6, 10, 22, 0, tzinfo=UTC), date(2026, 6, 11)),  # 00:00 CEST
    (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), date(2026, 3, 29)),  # 01:59 CET, spring night
    (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), date(2026, 3, 30)),  # 00:30 CEST
    (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), date(2026, 10, 25)),  # 00:30 CEST, autumn
    (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), date(2026, 10, 25)),  # 23:59 CET
]


@pytest.mark.django_db
def test_local_date_is_the_day_on_the_clock_in_copenhagen():
    organisation = OrganisationFactory()
    for moment, _day in MOMENTS:
        DrgImport.objects.create(organisation=organisation, file_name="x", imported_at=moment)
    found = dict(
        DrgImport.objects.annotate(day=LocalDate("imported_at", years=(2025, 2027))).values_list(
            "imported_at", "day"
        )
    )
    assert [found[moment] for moment, _day in MOMENTS] == [day for _moment, day in MOMENTS]


@pytest.mark.django_db
def test_hours_between_two_moments():
    organisation = OrganisationFactory()
    DrgImport.objects.create(
        organisation=organisation,
        file_name="x",
        imported_at=datetime(2026, 3, 28, 9, 0, tzinfo=UTC),
    )
    hours = DrgImport.objects.annotate(h=HoursBetween("imported_at", "imported_at")).get().h
    assert hours == pytest.approx(0)


def test_offset_spans_follow_the_clock_changes():
    spans = offset_spans(2026, 2026)
    assert [(s[0], s[2]) for s in spans] == [
        ("2026-01-01 00:00:00", 60),
        ("2026-03-29 01:00:00", 120),
        ("2026-10-25 01:00:00", 60),
    ]
