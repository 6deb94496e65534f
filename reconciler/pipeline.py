"""The one-way pipeline of DESIGN.md §2 as a recipe: load manifests, read live state, plan.

Reads happen before planning and nothing here writes; :mod:`reconciler.apply` is the only writer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from contextlib import aclosing
from collections.abc import Callable, Sequence

from reconciler.errors import ConfigError
from reconciler.manifest.desired import Desired
from reconciler.manifest.loader import load, manifest_files
from reconciler.plan.model import Plan
from reconciler.plan.planner import PlanOptions, default_effective_at, plan
from reconciler.runner import paused_gc

UTC = dt.timezone.utc
#: above this many manifest files, a child process loads them while the customers already loaded are read.
OVERLAP_FILES = 300


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """``K/N`` (1-based) -> (K, N)."""
    if not value:
        return None
    try:
        k, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise ConfigError(f"--shard {value!r} is not K/N", hint="e.g. --shard 2/4 plans the second of four shards")
    if not 1 <= k <= n:
        raise ConfigError(f"--shard {value!r}: K must be between 1 and N")
    return k, n


def shard_of(customer_key: str, count: int) -> int:
    """The 1-based shard of a customer: a stable hash, the same on every machine and Python version."""
    return int(hashlib.sha256(customer_key.encode()).hexdigest(), 16) % count + 1


def select_shard(desired: Desired, shard: tuple[int, int] | None) -> Desired:
    """Only the customers (and their contracts) of one shard. Partitioning by customer keeps a customer's
    create and its contracts' operations in the same shard."""
    if shard is None:
        return desired
    k, n = shard
    customers = {key: c for key, c in desired.customers.items() if shard_of(key, n) == k}
    contracts = {a: c for a, c in desired.contracts.items() if shard_of(c.customer_ref, n) == k}
    return Desired(customers=customers, contracts=contracts, sources=desired.sources)


async def read(desired: Desired, *, endpoint: str | None, now: dt.datetime,
               progress: Callable[[str], None] | None = None, transport=None,
               concurrency: int | None = None):
    """Open the endpoint and read everything the plan needs, at most ``concurrency`` requests in flight (the
    client's default when None). Returns (endpoint, live)."""
    from reconciler.live.read import read_live
    from reconciler.metronome import open_client, resolve_endpoint

    resolved = resolve_endpoint(endpoint)
    options = {} if concurrency is None else {"concurrency": concurrency}
    async with open_client(resolved, progress=progress, transport=transport, **options) as client:
        live = await read_live(client, desired, seats_from=default_effective_at(now), keep_generated_grants=False)
    return resolved, live


async def load_and_read(paths: Sequence[str], *, endpoint: str | None, now: dt.datetime, shard: str | None = None,
                        progress: Callable[[str], None] | None = None, transport=None,
                        concurrency: int | None = None, overlap_files: int | None = None,
                        loader_usage: dict | None = None):
    """Load the manifests and read live state; returns (endpoint, desired, live).

    With more than ``overlap_files`` (default :data:`OVERLAP_FILES`) manifest files, a child process loads them
    while this one reads the customers already loaded (:class:`~reconciler.manifest.background.BackgroundLoad`):
    the load, about a millisecond of CPU per file, then costs the plan almost no wall time. Smaller trees load
    first, in process.
    Either way invalid manifests are reported before any endpoint or token problem. ``loader_usage``, when
    given, receives the child's ``cpu_s``, ``peak_rss_mb`` and ``wall_s`` (the benchmark reports them)."""
    with paused_gc():
        return await _load_and_read(paths, endpoint=endpoint, now=now, shard=shard, progress=progress,
                                    transport=transport, concurrency=concurrency,
                                    overlap_files=OVERLAP_FILES if overlap_files is None else overlap_files,
                                    loader_usage=loader_usage)


async def _load_and_read(paths: Sequence[str], *, endpoint: str | None, now: dt.datetime, shard: str | None,
                         progress: Callable[[str], None] | None, transport, concurrency: int | None,
                         overlap_files: int, loader_usage: dict | None):
    shard_k_n = parse_shard(shard)
    files, _ = manifest_files(list(paths))
    if len(files) <= overlap_files:
        desired = select_shard(load(list(paths)), shard_k_n)
        resolved, live = await read(desired, endpoint=endpoint, now=now, progress=progress, transport=transport,
                                    concurrency=concurrency)
        return resolved, desired, live
    from reconciler.live.read import read_live_as_loaded
    from reconciler.manifest.background import BackgroundLoad
    from reconciler.metronome import open_client, resolve_endpoint

    loader = BackgroundLoad(list(paths))
    async with aclosing(loader.fragments()) as loading:
        fragments = (select_shard(fragment, shard_k_n) async for fragment in loading)
        try:
            resolved = resolve_endpoint(endpoint)
            client = open_client(resolved, progress=progress, transport=transport,
                                 **({} if concurrency is None else {"concurrency": concurrency}))
        except ConfigError:
            async for _ in fragments:  # manifest problems first, as when loading before reading
                pass
            raise
        async with client:
            desired, live = await read_live_as_loaded(client, fragments, seats_from=default_effective_at(now),
                                                      keep_generated_grants=False)
    if loader_usage is not None:
        loader_usage.update(cpu_s=loader.child_cpu_s, peak_rss_mb=loader.child_peak_rss_mb,
                            wall_s=loader.child_wall_s)
    return resolved, desired, live


async def make_plan(paths: Sequence[str], *, endpoint: str | None = None, now: dt.datetime | None = None,
                    targets: Sequence[str] | None = None, allow_destructive: Sequence[str] | None = None,
                    progress: Callable[[str], None] | None = None, shard: str | None = None,
                    transport=None, concurrency: int | None = None) -> Plan:
    now = (now or dt.datetime.now(UTC)).astimezone(UTC)
    resolved, desired, live = await load_and_read(paths, endpoint=endpoint, now=now, shard=shard, progress=progress,
                                                  transport=transport, concurrency=concurrency)
    options = PlanOptions(target=resolved.display, allow_destructive=frozenset(allow_destructive or ()),
                          targets=frozenset(targets or ()))
    with paused_gc():
        return plan(desired, live, now, options)
