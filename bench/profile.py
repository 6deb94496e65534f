"""Profile one scenario with pyinstrument: ``python -m bench.profile --n 1000 [--latency-ms 20] [--changed]``.

Seeds an estate like ``bench.run`` does, serves it, and runs the plan scenario in this process under
pyinstrument; the text profile goes to stdout (``--html FILE`` for the interactive one).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from bench import estate, seed
from bench.server import EmulatorServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--changed", action="store_true")
    parser.add_argument("--html")
    parser.add_argument("--work", type=Path, help="reuse a seeded directory (from an earlier --work run)")
    args = parser.parse_args()
    os.environ.setdefault("METRONOME_BEARER_TOKEN", "bench-token")
    work = args.work or Path(tempfile.mkdtemp(prefix=f"reconciler-profile-{args.n}-"))
    if not (work / "emulator.db").exists():
        estate.write(work / "unchanged", args.n)
        estate.write(work / "changed", args.n, estate.Variant(changed=estate.every_tenth(args.n)))
        seed.seed(work / "emulator.db", args.n, work)
    from pyinstrument import Profiler

    from bench.scenario import run_plan

    with EmulatorServer(work / "emulator.db", work / "emulator.log") as server:
        server.set_latency(args.latency_ms)
        profiler = Profiler(async_mode="disabled")
        profiler.start()
        result = run_plan(argparse.Namespace(manifests=str(work / ("changed" if args.changed else "unchanged")),
                                             shard=None, out=None, endpoint=server.url,
                                             concurrency=args.concurrency))
        profiler.stop()
    print(result, f"work={work}")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
