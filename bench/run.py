"""``make bench``: plan and apply against the emulator served on loopback with a fixed per-request latency.

For each size N (``--sizes``, default 1000,5000,10000): write N customers' manifests, seed the emulator with
them (in this process, no latency), serve it as a separate process, set the latency L, and measure in child
processes (one per scenario, so each peak RSS is its own). L is the API's response time as the client sees it: the
emulator answers each request L after it arrived (``--latency-mode response_time``; ``added`` waits L and then
processes, which puts the emulator's own processing and queueing on top of L):

1. ``plan`` on the unchanged estate;
2. ``plan`` with 10% of the contracts changed;
3. ``apply`` of 1,000 contract creates (a second contract for 1,000 customers);
4. ``apply`` of 1,000 seat changes;
5. the baseline: the official SDK reading one request at a time, on the first ``--baseline-customers``
   customers, and extrapolated to N per customer.

Requests come from the emulator's counters (reset before each scenario). Ideal time is requests x L / C for
the client concurrency C. Results go to ``bench/results.json`` (``--out``) and a markdown table (stdout, and
``RESULTS.md`` beside the results file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import estate, seed
from bench.report import markdown
from bench.server import EmulatorServer

HERE = Path(__file__).resolve().parent
CHANGED_APPLY = 1000
TOKEN = "bench-token"


def scenario(mode: str, *args: str) -> dict:
    """Run one scenario in a child process; adds ``tree_peak_rss_mb``: the largest sum of the resident memory of
    the scenario's process and its own children (the manifest loader), sampled every 20 ms."""
    command = [sys.executable, "-m", "bench.scenario", mode, *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=HERE.parent) as process:
        sampler = TreeRss(process.pid)
        sampler.start()
        stdout, stderr = process.communicate()
        sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-4000:]}")
    result = json.loads(stdout)
    result["tree_peak_rss_mb"] = sampler.peak_mb
    return result


class TreeRss(threading.Thread):
    """Samples ``VmRSS`` of a process and its children (Linux ``/proc``), keeping the largest sum."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._finished = threading.Event()

    def run(self) -> None:
        while not self._finished.wait(self.every):
            self.peak_mb = max(self.peak_mb, sum(_rss_mb(pid) for pid in [self.pid, *_children(self.pid)]))

    def stop(self) -> None:
        self._finished.set()
        self.join()


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except OSError:
        return []


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measured(server: EmulatorServer, latency_ms: float, mode: str, *args: str) -> dict:
    server.set_latency(latency_ms)
    server.reset_stats()
    cpu = server.cpu_seconds()
    result = scenario(mode, *args)
    result["emulator_cpu_s"] = server.cpu_seconds() - cpu
    stats = server.stats()
    server.set_latency(0)
    result["requests"] = stats["total"]
    result["by_route"] = stats["by_route"]
    result["statuses"] = stats["by_status"]
    return result


def prepare_plan(server: EmulatorServer, n: int, change: str, out: Path) -> int:
    """Plan 1,000 customers' change (no latency; not measured) in a fresh process, for a measured apply."""
    command = [sys.executable, "-m", "bench.prepare", "--n", str(n), "--change", change,
               "--count", str(CHANGED_APPLY), "--endpoint", server.url, "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-4000:]}")
    return int(done.stdout.strip())


def bench_size(n: int, args, log) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"reconciler-bench-{n}-"))
    ten_percent = estate.every_tenth(n)
    log(f"N={n}: writing manifests under {work}")
    unchanged = estate.write(work / "unchanged", n)
    changed = estate.write(work / "changed", n, estate.Variant(changed=ten_percent))
    log(f"N={n}: seeding the emulator")
    started = time.perf_counter()
    seed.seed(work / "emulator.db", n, work)
    log(f"N={n}: seeded in {time.perf_counter() - started:.1f}s")
    conc = str(args.concurrency)
    results: dict = {"n": n, "seed_s": time.perf_counter() - started}
    with EmulatorServer(work / "emulator.db", work / "emulator.log", args.latency_mode) as server:
        endpoint = ["--endpoint", server.url, "--concurrency", conc]
        log(f"N={n}: plan, unchanged")
        results["plan_unchanged"] = measured(server, args.latency_ms, "plan", "--manifests", str(unchanged),
                                             *endpoint)
        log(f"N={n}: plan, 10% changed")
        results["plan_changed"] = measured(server, args.latency_ms, "plan", "--manifests", str(changed), *endpoint)
        ops = prepare_plan(server, n, "creates", work / "creates.json")
        log(f"N={n}: apply, {ops} contract creates")
        results["apply_creates"] = measured(server, args.latency_ms, "apply", "--plan", str(work / "creates.json"),
                                            "--journal", str(work / "creates.jsonl"), *endpoint)
        ops = prepare_plan(server, n, "seats", work / "seats.json")
        log(f"N={n}: apply, {ops} seat changes")
        results["apply_seats"] = measured(server, args.latency_ms, "apply", "--plan", str(work / "seats.json"),
                                          "--journal", str(work / "seats.jsonl"), *endpoint)
        sample = min(n, args.baseline_customers)
        log(f"N={n}: baseline (metronome-sdk, sequential) on {sample} customers")
        results["baseline"] = measured(server, args.latency_ms, "baseline", "--customers", str(sample),
                                       "--endpoint", server.url)
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="comma-separated N (default: %(default)s)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="per-request latency L (default: 20)")
    parser.add_argument("--latency-mode", choices=("response_time", "added"), default="response_time",
                        help="response_time: each answer comes L after its request arrived, the emulator's own "
                             "processing within L, as a real API's is; added: the emulator waits L, then "
                             "processes (its processing and queueing on top of L) (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=8, help="client concurrency C (default: 8)")
    parser.add_argument("--baseline-customers", type=int, default=100,
                        help="customers the sequential baseline reads (default: %(default)s; extrapolated to N)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("--out", type=Path, default=HERE / "results.json",
                        help="results file; the markdown table goes beside it as RESULTS.md (default: %(default)s)")
    args = parser.parse_args(argv)
    os.environ.setdefault("METRONOME_BEARER_TOKEN", TOKEN)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = {"latency_ms": args.latency_ms, "latency_mode": args.latency_mode, "concurrency": args.concurrency,
               "cpus": os.cpu_count(),
               "python": platform.python_version(), "date": dt.datetime.now(dt.timezone.utc).isoformat(),
               "total_s": 0.0, "sizes": []}
    for n in sizes:
        results["sizes"].append(bench_size(n, args, log))
        results["total_s"] = time.perf_counter() - started
        args.out.write_text(json.dumps(results, indent=2))  # after each size: a later failure keeps these
    table = markdown(results)
    table_path = args.out.with_name("RESULTS.md")
    table_path.write_text(table)
    print(table)
    log(f"done; {args.out} and {table_path} written")


if __name__ == "__main__":
    main()
