"""The benchmark registry: a benchmark is a function that returns named measurements.

To add one, write a function in a module under bench/, decorate it with `@benchmark(...)` and
list the module in BENCHMARK_MODULES. It receives a `BenchContext` inside a migrated, empty
database and returns an `Outcome`; `make bench` runs it on SQLite and PostgreSQL, prints it,
stores it in bench/report.json and rewrites its section of docs/benchmarks.md. Modules are
imported only in the per-database subprocess, after django.setup(), so they may import models
at the top.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# Modules whose import registers benchmarks, in the order they run and appear in the docs.
BENCHMARK_MODULES: tuple[str, ...] = (
    "bench.foundation",
    "bench.patients",
    "bench.scheduling",
    "bench.year",
    "bench.terminology",
    "bench.records",
    "bench.worklist",
    "bench.pathways",
    "bench.reporting",
    "bench.billing",
    "bench.lpr3",
    "bench.lpr3_nightly",
    "bench.medcom",
    "bench.reliability",
)


@dataclass(frozen=True)
class Measurement:
    """One named figure. `target` is an upper bound when lower is better, else a lower bound."""

    key: str
    label: str
    value: float
    unit: str
    target: float | None = None
    better: Literal["lower", "higher"] = "lower"

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.value < self.target if self.better == "lower" else self.value >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measurement:
        return cls(
            key=data["key"],
            label=data["label"],
            value=data["value"],
            unit=data["unit"],
            target=data.get("target"),
            better=data.get("better", "lower"),
        )


@dataclass
class Outcome:
    """What a benchmark returns: its measurements, the volumes it used and remarks."""

    measurements: list[Measurement]
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class BenchContext:
    """What a benchmark gets from the runner."""

    database: Literal["sqlite", "postgresql"]
    # Multiplies data volumes and call counts; 1.0 is the documented run, `--quick` is 0.1.
    scale: float
    rng: random.Random

    def count(self, full: int, *, minimum: int = 1) -> int:
        """`full` scaled down for quick runs."""
        return max(minimum, round(full * self.scale))

    def log(self, message: str) -> None:
        print(f"  [{self.database}] {message}", flush=True)


BenchFunction = Callable[[BenchContext], Outcome]


@dataclass(frozen=True)
class Benchmark:
    name: str  # also the docs marker: <!-- bench:NAME:start -->
    title: str
    about: str  # markdown paragraph for the docs: what is measured and how
    function: BenchFunction


_REGISTRY: dict[str, Benchmark] = {}


def benchmark(*, name: str, title: str, about: str) -> Callable[[BenchFunction], BenchFunction]:
    """Register a benchmark function under `name`."""

    def register(function: BenchFunction) -> BenchFunction:
        if name in _REGISTRY:
            raise ValueError(f"Benchmark {name!r} is registered twice")
        _REGISTRY[name] = Benchmark(name=name, title=title, about=about, function=function)
        return function

    return register


def load_benchmarks() -> dict[str, Benchmark]:
    """All registered benchmarks, in BENCHMARK_MODULES order (call after django.setup())."""
    for module in BENCHMARK_MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)
