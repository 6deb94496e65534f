"""The markdown table of a bench run (``results.json`` in, text out), and the scaling check."""

from __future__ import annotations

SCENARIOS = (("plan_unchanged", "plan, unchanged"), ("plan_changed", "plan, 10% changed"),
             ("apply_creates", "apply, contract creates"), ("apply_seats", "apply, seat changes"))


def ideal_s(requests: int, latency_ms: float, concurrency: int) -> float:
    return requests * latency_ms / 1000 / concurrency


def _row(n: int, name: str, r: dict, latency_ms: float, concurrency: int) -> str:
    ideal = ideal_s(r["requests"], latency_ms, concurrency)
    cpu = f"{r['planner_cpu_s']:.2f}" if "planner_cpu_s" in r else "—"
    client = f"{r['client_cpu_s']:.1f}" if "client_cpu_s" in r else "—"
    if r.get("loader_cpu_s"):
        client += f" (+{r['loader_cpu_s']:.1f})"
    rss = f"{r['peak_rss_mb']:.0f}" + (f" + {r['loader_peak_rss_mb']:.0f}" if r.get("loader_peak_rss_mb") else "")
    if "tree_peak_rss_mb" in r:
        rss += f" ({r['tree_peak_rss_mb']:.0f})"
    io = f"{r['load_read_s']:.1f} ({r['load_read_s'] / ideal:.2f})" if "load_read_s" in r else "—"
    contracts = n if "planner_cpu_s" in r else min(n, 1000)
    return (f"| {n:,} | {name} | {r['operations']:,} | {r['requests']:,} | {r['requests'] / contracts:.2f} | "
            f"{r['wall_s']:.1f} | {ideal:.1f} | **{r['wall_s'] / ideal:.2f}** | {io} | {client} | {cpu} | "
            f"{rss} | {r.get('emulator_cpu_s', 0):.1f} |")


def baseline_line(run: dict, latency_ms: float) -> str:
    b, ours = run["baseline"], run["plan_unchanged"]
    per_customer = b["wall_s"] / b["customers"]
    extrapolated = per_customer * run["n"]
    return (f"| {run['n']:,} | {b['customers']:,} | {b['requests']:,} | {b['wall_s']:.1f} | "
            f"{per_customer * 1000:.1f} | {extrapolated:.0f} | {ours['wall_s']:.1f} | "
            f"**{extrapolated / ours['wall_s']:.1f}×** | {extrapolated / ours['load_read_s']:.1f}× |")


def scaling_lines(results: dict) -> list[str]:
    """Per-contract cost of each scenario at each size, relative to the smallest size (1.00 = linear)."""
    runs = results["sizes"]
    if len(runs) < 2:
        return []
    lines = ["", "Per-contract cost relative to N = {:,} (1.00 = linear):".format(runs[0]["n"]), "",
             "| scenario | metric | " + " | ".join(f"N = {r['n']:,}" for r in runs) + " |",
             "|---|---|" + "---|" * len(runs)]
    for key, name in SCENARIOS[:2]:
        for metric in ("requests", "wall_s", "load_read_s", "client_cpu_s", "planner_cpu_s"):
            base = runs[0][key][metric] / runs[0]["n"]
            cells = " | ".join(f"{r[key][metric] / r['n'] / base:.2f}" for r in runs)
            lines.append(f"| {name} | {metric} | {cells} |")
    return lines


MODES = {"response_time": "latency mode `response_time`: each answer comes L after its request arrived",
         "added": "latency mode `added`: the emulator waits L, then processes"}


def markdown(results: dict) -> str:
    lat, conc = results["latency_ms"], results["concurrency"]
    mode = results.get("latency_mode", "added")  # runs before the option was added
    lines = [f"L = {lat:g} ms per request ({MODES[mode]}), client concurrency C = {conc}, {results['cpus']} CPUs, "
             f"Python {results['python']}, run {results['date'][:16]}Z, whole run {results['total_s']:.0f} s.", "",
             "| N | scenario | ops | requests | req/contract | wall s | ideal s | wall/ideal | "
             "load+read s (/ideal) | client CPU s (+loader) | planner CPU s | peak RSS MB (+loader) (together) | "
             "emulator CPU s |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in results["sizes"]:
        for key, name in SCENARIOS:
            lines.append(_row(run["n"], name, run[key], lat, conc))
    lines += ["", "Baseline: `metronome-sdk` (sync), one request at a time, on the first customers, extrapolated "
              "per customer to N; compared with the unchanged plan (whole, and its load+read phase).", "",
              "| N | baseline customers | requests | wall s | ms/customer | extrapolated to N, s | our plan s | "
              "speed-up | speed-up (read phase) |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [baseline_line(run, lat) for run in results["sizes"]]
    lines += scaling_lines(results)
    return "\n".join(lines) + "\n"
