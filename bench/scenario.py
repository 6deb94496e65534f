"""One measured scenario, run in its own process so that its peak RSS is its own (``ru_maxrss`` of this process).

``python -m bench.scenario plan|apply|baseline ...`` prints one JSON object on stdout:

* ``plan``: the pipeline's recipe (:func:`reconciler.pipeline.make_plan`) step by step, so that each step is
  timed: load the manifests, read live state (wall), plan (the pure function: ``time.process_time`` and wall);
* ``apply``: :func:`reconciler.apply.apply_plan` of a saved plan file;
* ``baseline``: the naive refresh loop on the official ``metronome-sdk`` (sync, one request at a time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time

from reconciler.runner import paused_gc, run

UTC = dt.timezone.utc


def _peak_rss_mb() -> float:
    """This process's peak RSS: ``VmHWM`` (reset by exec), not ``ru_maxrss``, which Linux carries over from the
    forking parent (the bench process, which holds a whole seeded estate)."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_plan(args) -> dict:
    """``make_plan``'s recipe with each step timed: load the manifests and read live state (overlapped above
    ``OVERLAP_FILES`` files: a child process loads while this one reads), then the pure planner."""
    from reconciler.pipeline import load_and_read
    from reconciler.plan.planner import PlanOptions, plan

    now = dt.datetime.now(UTC)
    started = time.perf_counter()
    loader: dict = {}
    resolved, desired, live = run(load_and_read([args.manifests], endpoint=args.endpoint, now=now,
                                                 shard=args.shard, concurrency=args.concurrency,
                                                 loader_usage=loader))
    read_done = time.perf_counter()
    cpu = time.process_time()  # this process's CPU so far: the read (and unpickling the loader's fragments)
    with paused_gc():  # as make_plan does
        the_plan = plan(desired, live, now, PlanOptions(target=resolved.display))
    planner_cpu = time.process_time() - cpu
    finished = time.perf_counter()
    if args.out:
        from reconciler.plan.format import save_plan

        save_plan(the_plan, args.out)
    return {"wall_s": finished - started, "load_read_s": read_done - started,
            "planner_wall_s": finished - read_done, "planner_cpu_s": planner_cpu,
            "operations": len(the_plan.operations), "peak_rss_mb": _peak_rss_mb(), "client_cpu_s": cpu,
            "loader_cpu_s": loader.get("cpu_s"), "loader_wall_s": loader.get("wall_s"),
            "loader_peak_rss_mb": loader.get("peak_rss_mb")}


def run_apply(args) -> dict:
    from reconciler.apply import apply_plan
    from reconciler.plan.format import load_plan_with_id

    the_plan, verified_id = load_plan_with_id(args.plan)  # as the CLI does
    started = time.perf_counter()
    report = run(apply_plan(the_plan, endpoint=args.endpoint, journal_path=args.journal,
                            concurrency=args.concurrency, verified_id=verified_id))
    wall = time.perf_counter() - started
    if not report.ok:
        failed = next(o for o in report.outcomes if o.status == "failed")
        raise SystemExit(f"apply failed at {failed.op.id}: {failed.message}")
    return {"wall_s": wall, "operations": len(the_plan.operations), "done": report.count("done"),
            "peak_rss_mb": _peak_rss_mb()}


def run_baseline(args) -> dict:
    """Per customer: find it by ingest alias, list its contracts, read its billing provider configurations, and
    the seats history of every SEAT_BASED subscription; one request at a time, as a refresh loop does."""
    import metronome

    from bench.estate import customer_key

    client = metronome.Metronome(base_url=args.endpoint, bearer_token="bench", max_retries=2)
    started = time.perf_counter()
    contracts = seats = 0
    for i in range(args.customers):
        customer = next(iter(client.v1.customers.list(ingest_alias=customer_key(i))), None)
        if customer is None:
            continue
        client.v1.customers.retrieve_billing_configurations(customer_id=customer.id)
        for contract in client.v2.contracts.list(customer_id=customer.id):
            contracts += 1
            for subscription in contract.subscriptions or []:
                if subscription.quantity_management_mode == "SEAT_BASED":
                    seats += _seats_history(client, customer.id, contract.id, subscription.id)
    return {"wall_s": time.perf_counter() - started, "customers": args.customers, "contracts": contracts,
            "seat_segments": seats, "peak_rss_mb": _peak_rss_mb()}


def _seats_history(client, customer_id: str, contract_id: str, subscription_id: str) -> int:
    segments, cursor = 0, None
    while True:
        page = client.v1.contracts.get_subscription_seats_history(
            customer_id=customer_id, contract_id=contract_id, subscription_id=subscription_id,
            **({"cursor": cursor} if cursor else {}))
        segments += len(page.data)
        cursor = page.next_page
        if not cursor:
            return segments


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scenario")
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("plan")
    p.add_argument("--manifests", required=True)
    p.add_argument("--shard")
    p.add_argument("--out")
    a = sub.add_parser("apply")
    a.add_argument("--plan", required=True)
    a.add_argument("--journal", required=True)
    b = sub.add_parser("baseline")
    b.add_argument("--customers", type=int, required=True)
    for each in (p, a, b):
        each.add_argument("--endpoint", required=True)
        each.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    result = {"plan": run_plan, "apply": run_apply, "baseline": run_baseline}[args.mode](args)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
