"""Make and save the plan a measured apply executes (no latency; not measured), in a fresh process so that it
runs the same code as the apply after it even if the tree changed since ``bench.run`` started.

``python -m bench.prepare --n N --change creates|seats --count 1000 --endpoint URL --out FILE`` prints the
number of operations.
"""

from __future__ import annotations

import argparse
import datetime as dt

from bench import estate, seed
from reconciler.runner import run


def prepare(n: int, change: str, count: int, endpoint_url: str, out: str) -> int:
    from reconciler.live.read import read_live
    from reconciler.metronome import open_client, resolve_endpoint
    from reconciler.plan.format import save_plan
    from reconciler.plan.planner import PlanOptions, default_effective_at, plan

    chosen = estate.first(count, n)
    variant = estate.Variant(addons=chosen, seat_delta=chosen if change == "seats" else frozenset())
    desired = seed.desired_of(n, variant, only=chosen)
    now = dt.datetime.now(dt.timezone.utc)
    endpoint = resolve_endpoint(endpoint_url)

    async def read():
        async with open_client(endpoint, concurrency=16) as client:
            return await read_live(client, desired, seats_from=default_effective_at(now), keep_generated_grants=False)

    the_plan = plan(desired, run(read()), now, PlanOptions(target=endpoint.display))
    save_plan(the_plan, out)
    return len(the_plan.operations)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.prepare")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--change", choices=("creates", "seats"), required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    print(prepare(args.n, args.change, args.count, args.endpoint, args.out))


if __name__ == "__main__":
    main()
