"""``reconciler plan``, ``show`` and ``drift``: make a plan, render it, save it; show a saved one; report drift.

Exit codes, as Terraform uses them:

=======================  ==================================  ===========================================
command                  0                                   2
=======================  ==================================  ===========================================
plan                     done (with or without changes)      —
plan --detailed-exitcode no changes and no drift             operations or drift
drift                    no drift                            drift
=======================  ==================================  ===========================================

Every error exits 1, including a bad command line for ``plan`` and ``drift`` (click's usual 2 would read as
"changes" to a nightly job). Rendered output goes to stdout; progress and notes go to stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from reconciler.errors import ConfigError
from reconciler.plan.model import Plan
from reconciler.render import FORMATS, render
from reconciler.render.text import use_color
from reconciler.runner import run

DEFAULT_PATHS = ("manifests/",)
EXIT_CHANGES = 2
UTC = dt.timezone.utc


class _ExitOneOnUsageError(click.Command):
    """A command whose usage errors exit 1, so that 2 only ever means "there are changes"."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = 1
            raise


class Rfc3339(click.ParamType):
    """An RFC 3339 timestamp with a time zone, returned in UTC."""

    name = "RFC3339"

    def convert(self, value, param, ctx) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not an RFC 3339 timestamp (e.g. 2026-12-01T00:00:00Z)", param, ctx)
        if parsed.tzinfo is None:
            self.fail(f"{value!r} has no time zone; add Z or an offset such as +00:00", param, ctx)
        return parsed.astimezone(UTC)


def _format_option():
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                        help="Output on stdout.")


def _endpoint_option():
    return click.option("--endpoint", envvar="RECONCILER_ENDPOINT", show_envvar=True, default=None,
                        help="Metronome API URL, or 'embedded' for the local emulator (the default).")


_no_color = click.option("--no-color", is_flag=True, help="Plain text even on a terminal (NO_COLOR works too).")
_paths = click.argument("paths", nargs=-1, type=click.Path(path_type=str))


@click.command(cls=_ExitOneOnUsageError)
@_paths
@_endpoint_option()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Save the plan file (JSON) that apply executes; written atomically.")
@_format_option()
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 without changes, 2 with changes or drift, 1 on error.")
@click.option("--target", "targets", multiple=True, metavar="ADDRESS",
              help="Plan only this address (repeatable).")
@click.option("--now", type=Rfc3339(), default=None, help="Plan as of this time instead of the clock.")
@click.option("--allow-destructive", multiple=True, metavar="ADDRESS|all",
              help="Allow ending or archiving this address, or 'all' (repeatable).")
@click.option("--shard", metavar="K/N", default=None,
              help="Plan only shard K of N: the customers whose key hashes to K (stable on every machine), with "
                   "their contracts. One CI job per shard; apply each shard's saved plan.")
@click.option("--concurrency", type=click.IntRange(min=1), default=None, metavar="N",
              help="API requests in flight at once while reading (default 8).")
@_no_color
@click.pass_context
def plan(ctx: click.Context, paths: tuple[str, ...], endpoint: str | None, out: Path | None, fmt: str,
         detailed_exitcode: bool, targets: tuple[str, ...], now: dt.datetime | None,
         allow_destructive: tuple[str, ...], shard: str | None, concurrency: int | None, no_color: bool) -> None:
    """Compare the manifests with Metronome and print the exact operations apply would make."""
    the_plan = _make_plan(paths, endpoint=endpoint, now=now, targets=targets, allow_destructive=allow_destructive,
                          shard=shard, concurrency=concurrency)
    if out is not None:
        _save(the_plan, out)
    _echo(render(the_plan, fmt, color=_color(fmt, no_color)))
    if detailed_exitcode and (the_plan.has_changes or the_plan.drift):
        ctx.exit(EXIT_CHANGES)


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@_format_option()
@_no_color
def show(plan_file: Path, fmt: str, no_color: bool) -> None:
    """Verify a saved plan file (version, checksum) and render it."""
    from reconciler.plan.format import load_plan

    _echo(render(load_plan(plan_file), fmt, color=_color(fmt, no_color)))


@click.command(cls=_ExitOneOnUsageError)
@_paths
@_endpoint_option()
@_format_option()
@_no_color
@click.pass_context
def drift(ctx: click.Context, paths: tuple[str, ...], endpoint: str | None, fmt: str, no_color: bool) -> None:
    """Report what changed in Metronome outside the manifests; plans no writes. Exits 2 when there is drift."""
    the_plan = _make_plan(paths, endpoint=endpoint, now=None, targets=(), allow_destructive=())
    report = the_plan.model_copy(update={"operations": []})
    _echo(render(report, fmt, color=_color(fmt, no_color)))
    if report.drift:
        ctx.exit(EXIT_CHANGES)


def _make_plan(paths: tuple[str, ...], *, endpoint: str | None, now: dt.datetime | None,
               targets: tuple[str, ...], allow_destructive: tuple[str, ...], shard: str | None = None,
               concurrency: int | None = None) -> Plan:
    from reconciler.pipeline import make_plan  # the HTTP stack loads only for commands that read Metronome

    return run(make_plan(
        list(paths or DEFAULT_PATHS), endpoint=endpoint, now=now, targets=list(targets) or None,
        allow_destructive=list(allow_destructive) or None, progress=_progress, shard=shard,
        concurrency=concurrency,
    ))


def _save(the_plan: Plan, out: Path) -> None:
    from reconciler.plan.format import plan_id, save_plan

    if out.parent and not out.parent.is_dir():
        raise ConfigError(f"cannot write plan file {out}: directory {out.parent} does not exist")
    save_plan(the_plan, out)
    _progress(f"Saved plan {plan_id(the_plan)[:12]} to {out}; apply it with: reconciler apply {out}")


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _echo(text: str) -> None:
    click.echo(text, nl=False, color=True)


def _color(fmt: str, no_color: bool) -> bool:
    return fmt == "text" and use_color(sys.stdout, no_color=no_color)
