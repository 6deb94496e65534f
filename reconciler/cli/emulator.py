"""``reconciler emulator``: run the local Metronome emulator as an HTTP server."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def emulator() -> None:
    """The local Metronome emulator (the default target of plan/apply)."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on (0: any free port).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite file to keep state in (reopening resumes it). Default: in memory.")
@click.option("--seed", "seed_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Seed YAML applied to a fresh database. Default: the bundled catalog.")
@click.option("--no-seed", is_flag=True, help="Start with an empty account.")
@click.option("--latency-ms", type=float, default=0.0, show_default=True, help="Fixed latency per request.")
@click.option("--latency-mode", type=click.Choice(["added", "response_time"]), default="added", show_default=True,
              help="added: wait, then serve; response_time: serve, then answer once the latency has passed.")
@click.option("--clock", "clock_at", default=None, help="Freeze the emulator clock at this RFC 3339 instant.")
def serve(host: str, port: int, db_path: Path | None, seed_path: Path | None, no_seed: bool, latency_ms: float,
          latency_mode: str, clock_at: str | None) -> None:
    """Serve the emulator over HTTP (logs method, path, status and duration per request; never headers)."""
    from reconciler.emulator import DEFAULT_SEED_PATH, Emulator
    from reconciler.emulator.server import serve as run

    seed = None if no_seed else (seed_path or DEFAULT_SEED_PATH)
    instance = Emulator(db_path, seed=seed, clock=clock_at)
    if latency_ms:
        instance.latency.configure(fixed_ms=latency_ms, mode=latency_mode)
    run(instance, host, port)
