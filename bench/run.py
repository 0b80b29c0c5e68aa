"""`make bench`: every benchmark in turn, then bench/RESULTS.md and bench/throughput.png.

    .venv/bin/python -m bench.run [--only http,headers] [--quick]

Each benchmark runs as its own process (PostgreSQL ones inside a throw-away durable cluster from
scripts/with-postgres), prints as it goes, and ends with the `BENCH-RESULT` line of bench/common.py,
which this collects. A benchmark that fails or cannot run (no wrk, no PostgreSQL) is named in the
results as not run, with the reason; the others still run. Figures never fail the command: only a
benchmark that could not produce its figures makes it exit 1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.common import RESULT_MARK, machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
CHART = ROOT / "bench" / "throughput.png"
PG = ["env", "WITH_POSTGRES_DURABLE=1", str(ROOT / "scripts" / "with-postgres"), "sh", "-c"]
ON_PG = '"$@" --database "$PREFCENTER_TEST_DATABASE_URL"'


@dataclass
class Benchmark:
    name: str
    args: list[str]
    quick: list[str] = field(default_factory=list)
    postgres: bool = False
    needs: list[str] = field(default_factory=list)

    def command(self, quick: bool) -> list[str]:
        module = [sys.executable, "-m", *self.args, *(self.quick if quick else [])]
        return [*PG, ON_PG, "bench", *module] if self.postgres else module


BENCHMARKS = [
    Benchmark("headers", ["bench.headers"], ["--rounds", "1"]),
    Benchmark("smtp-sqlite", ["bench.smtp_intake"], ["--messages", "300", "--rounds", "1"]),
    Benchmark(
        "smtp-postgres",
        ["bench.smtp_intake"],
        ["--messages", "300", "--rounds", "1"],
        postgres=True,
    ),
    Benchmark("http-sqlite", ["bench.http"], ["--rounds", "1", "--duration", "2"], needs=["wrk"]),
    Benchmark(
        "http-postgres",
        ["bench.http"],
        ["--rounds", "1", "--duration", "2"],
        postgres=True,
        needs=["wrk"],
    ),
    Benchmark("suppressions", ["bench.suppressions"], ["--addresses", "100000", "--rounds", "1"]),
    Benchmark("growth", ["bench.growth"], ["--scale", "0.01"], postgres=True, needs=["wrk"]),
]


def missing(benchmark: Benchmark) -> str | None:
    """Why the benchmark cannot run here, or None."""
    for tool in benchmark.needs:
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (apt-get install {tool})"
    installed = shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if benchmark.postgres and not installed:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    return None


def run(benchmark: Benchmark, quick: bool) -> tuple[dict | None, str]:
    """The benchmark's result line, parsed, and a short account of how it went."""
    print(f"\n=== {benchmark.name} ===", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(
        benchmark.command(quick), cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    result = None
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
        else:
            print(line, end="", flush=True)
    code = process.wait()
    took = f"{time.monotonic() - started:.0f} s"
    if result is None:
        return None, f"failed (exit {code}) after {took}; see its output above"
    return result, f"ran in {took}"


def number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"


def table(results: list[dict], host: str, date: str) -> list[str]:
    lines = [
        "| figure | ours | baseline | ratio | goal | machine | date | detail |",
        "|---|---:|---:|---:|---|---|---|---|",
    ]
    for result in results:
        for f in result["figures"]:
            goal = (
                ""
                if f["goal"] is None
                else f"≥ {f['goal']:g} " + ("✅" if f["ratio"] >= f["goal"] else "❌")
            )
            lines.append(
                f"| {f['name']} | {number(f['ours'])} {f['unit']} | {number(f['baseline'])} "
                f"| {f['ratio']:.3f} | {goal} | {host} | {date} | {f['detail']} |"
            )
    return lines


def chart(results: list[dict]) -> bool:
    """Throughput vs concurrency, one panel per scenario, ours next to its baseline."""
    series = [s for result in results for s in result["series"]]
    if not series:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels: dict[str, list[dict]] = {}
    for s in series:
        panels.setdefault(s["label"].split(":")[0], []).append(s)
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.6 * rows), squeeze=False)
    for axis, (title, lines) in zip(axes.flat, panels.items(), strict=False):
        for s in lines:
            axis.plot(
                s["concurrency"], s["throughput"], marker="o", label=s["label"].split(":")[-1]
            )
        axis.set_title(title, fontsize=10)
        axis.set_xscale("log", base=2)
        axis.set_xlabel("concurrent connections")
        axis.set_ylabel("requests/s")
        axis.set_ylim(bottom=0)
        axis.legend(fontsize=8)
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(CHART, dpi=110)
    plt.close(figure)
    return True


def write(results: list[dict], accounts: dict[str, str], quick: bool) -> None:
    host, date = machine(), datetime.now(UTC).strftime("%Y-%m-%d")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    text = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {date} at commit `{commit or 'unknown'}`"
        + (" with `--quick` (small sizes: not comparable)" if quick else "")
        + f". Machine: {host}. Every figure is a median over rounds, measured next to its baseline"
        " in the same run; a ratio compares only within this run. How each is measured: "
        "bench/README.md.",
        "",
        *table(results, host, date),
        "",
        "Benchmarks: " + "; ".join(f"**{name}** {how}" for name, how in accounts.items()) + ".",
        "",
    ]
    if chart(results):
        text += ["## Throughput vs concurrency", "", f"![throughput]({CHART.name})", ""]
    for result in results:
        for note in result["notes"]:
            text += [note.rstrip(), ""]
    RESULTS.write_text("\n".join(text), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", help="comma-separated benchmark names: " + ", ".join(b.name for b in BENCHMARKS)
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the set-up")
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only.split(",")]
    results, accounts, failed = [], {}, False
    for benchmark in chosen:
        reason = missing(benchmark)
        if reason:
            accounts[benchmark.name] = f"not run: {reason}"
            print(f"\n=== {benchmark.name}: not run, {reason}", flush=True)
            continue
        result, accounts[benchmark.name] = run(benchmark, args.quick)
        failed |= result is None
        if result:
            results.append(result)
    write(results, accounts, args.quick)
    print(f"\nwrote {RESULTS.relative_to(ROOT)}" + (f" and {CHART.name}" if CHART.exists() else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
