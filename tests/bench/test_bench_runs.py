"""``make bench`` end to end at a tiny size: the emulator served as its own process, every scenario measured in
a child process, the results file and the markdown table written where ``--out`` says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_runs_every_scenario_and_writes_its_results(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "bench.run", "--sizes", "40", "--baseline-customers", "4",
                           "--latency-ms", "1", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["latency_mode"] == "response_time" and results["concurrency"] == 8
    [size] = results["sizes"]
    assert size["n"] == 40
    for scenario in ("plan_unchanged", "plan_changed", "apply_creates", "apply_seats", "baseline"):
        assert size[scenario]["requests"] > 0 and set(size[scenario]["statuses"]) == {"200"}, scenario
    assert size["plan_unchanged"]["operations"] == 0 and size["plan_changed"]["operations"] > 0
    creates, seats = size["apply_creates"], size["apply_seats"]
    assert creates["done"] == creates["operations"] == creates["requests"] == 40
    assert seats["done"] == seats["operations"] > 0
    # the baseline reads after the applies: each of its 4 customers has its own contract and the one created
    assert size["baseline"]["customers"] == 4 and size["baseline"]["contracts"] == 8
    table = (tmp_path / "RESULTS.md").read_text()
    assert "| 40 | plan, unchanged | 0 |" in table and "| 40 | apply, seat changes |" in table
    assert table in done.stdout
