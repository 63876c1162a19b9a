"""Timing helpers: per-call wall-clock samples and their order statistics."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stats:
    """Order statistics of samples in milliseconds."""

    count: int
    median: float
    p95: float
    p99: float
    mean: float
    maximum: float

    @classmethod
    def of(cls, samples_ms: Sequence[float]) -> Stats:
        if len(samples_ms) < 2:
            raise ValueError("Need at least two samples")
        cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
        return cls(
            count=len(samples_ms),
            median=statistics.median(samples_ms),
            p95=cuts[94],
            p99=cuts[98],
            mean=statistics.fmean(samples_ms),
            maximum=max(samples_ms),
        )


def time_ms(function: Callable[[], Any]) -> float:
    """Wall-clock milliseconds of one call."""
    start = time.perf_counter_ns()
    function()
    return (time.perf_counter_ns() - start) / 1e6


def time_calls(
    function: Callable[[Any], Any],
    arguments: Sequence[Any],
    *,
    warmup: int,
    before_each: Callable[[], Any] | None = None,
) -> Stats:
    """Call `function(argument)` once per argument and time each call.

    The first `warmup` arguments are called untimed (connections, caches, query compilation).
    `before_each` runs untimed before every call. The garbage collector stays on, as in
    production, and what was there before the timing is frozen out of its reach, as a web
    worker's long-lived heap is (the terminology index freezes it when installed: the
    benchmark's own data, tens of thousands of objects, would otherwise be walked by every
    full collection and timed as if the operation had made it).
    """
    for argument in arguments[:warmup]:
        if before_each is not None:
            before_each()
        function(argument)
    gc.collect()
    gc.freeze()
    samples: list[float] = []
    try:
        for argument in arguments[warmup:]:
            if before_each is not None:
                before_each()
            start = time.perf_counter_ns()
            function(argument)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    finally:
        gc.unfreeze()
    return Stats.of(samples)
