"""What every benchmark shares: the figure it reports, the machine it ran on, and how it reports.

A benchmark script prints whatever helps a person read it, and ends with one line
`BENCH-RESULT {json}` that `bench/run.py` (`make bench`) collects into bench/RESULTS.md:

    {"benchmark": "http", "figures": [Figure...], "series": [Series...], "notes": ["markdown", ...]}

`series` are throughput-vs-concurrency curves for the chart; `notes` are markdown blocks (e.g. the
EXPLAIN plans of the hot queries) copied under the table.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

RESULT_MARK = "BENCH-RESULT "


@dataclass
class Figure:
    """One measurement next to its baseline from the same run; `goal` is the minimum ratio."""

    name: str
    unit: str
    ours: float
    baseline: float
    goal: float | None = None
    detail: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else 0.0


@dataclass
class Series:
    """Throughput at each concurrency, for one server (ours or the baseline) and one scenario."""

    label: str
    concurrency: list[int] = field(default_factory=list)
    throughput: list[float] = field(default_factory=list)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def machine() -> str:
    """The processor, cores and Python: figures compare only within one run on one machine."""
    processor = platform.processor() or platform.machine()
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                "",
            )
    except OSError:
        pass
    return f"{model or processor}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def emit(
    benchmark: str,
    figures: list[Figure],
    series: list[Series] | None = None,
    notes: list[str] | None = None,
) -> None:
    """Print the line `make bench` collects; always the last thing a benchmark prints."""
    payload = {
        "benchmark": benchmark,
        "figures": [{**asdict(f), "ratio": f.ratio} for f in figures],
        "series": [asdict(s) for s in series or []],
        "notes": notes or [],
    }
    print(RESULT_MARK + json.dumps(payload), flush=True)


class BenchError(Exception):
    """The benchmark could not run; the message says why."""


def guarded(run: Callable[[], int]) -> int:
    """A benchmark's body as a command's exit status: 2 with the reason if it could not run, 130
    on Ctrl+C. A SIGTERM unwinds like Ctrl+C, so servers are stopped and temporary folders
    removed; and Ctrl+C does so even when started in the background, where the shell ignores
    SIGINT."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return run()
    except BenchError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
