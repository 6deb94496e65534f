"""``reconciler apply``: execute a saved plan exactly, or plan, show and confirm, then execute.

Exit codes: 0 when every operation is done; 1 on any refusal or failure (with the report).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from reconciler.errors import ApplyError, ConfigError
from reconciler.runner import run

SYMBOLS = {"done": "✓", "already-done": "=", "failed": "✗", "not-attempted": "·"}


def _print_outcome(outcome) -> None:
    op = outcome.op
    extra = f" ({outcome.message})" if outcome.message else ""
    created = f" id={outcome.created_id}" if outcome.created_id and op.action == "create" else ""
    click.echo(f"{SYMBOLS[outcome.status]} {op.id} {op.summary}: {outcome.status}{created}{extra}")


def _print_report(report) -> None:
    for outcome in report.outcomes:
        if outcome.status == "not-attempted":
            _print_outcome(outcome)
    click.echo(f"Apply {'complete' if report.ok else 'stopped'}: {report.count('done')} done, "
               f"{report.count('already-done')} already done, {report.count('failed')} failed, "
               f"{report.count('not-attempted')} not attempted.")


def _plan_interactively(paths, endpoint, now, allow_destructive, auto_approve, shard):
    from reconciler.pipeline import make_plan
    from reconciler.render import render

    plan = run(make_plan(list(paths) or ["manifests"], endpoint=endpoint, now=now,
                                 allow_destructive=allow_destructive, shard=shard,
                                 progress=lambda m: click.echo(m, err=True)))
    click.echo(render(plan, "text", color=sys.stdout.isatty() and "NO_COLOR" not in os.environ))
    if not plan.operations:
        return None
    if not auto_approve:
        if not sys.stdin.isatty():
            raise ConfigError("apply without a plan file needs confirmation, and there is no terminal",
                              hint="save a plan with `reconciler plan --out plan.json` and apply it, "
                                   "or pass --auto-approve in CI")
        click.confirm("Apply these operations?", abort=True)
    return plan


@click.command("apply")
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@click.option("--endpoint", envvar="RECONCILER_ENDPOINT", help="API endpoint (default: the embedded emulator).")
@click.option("--path", "paths", multiple=True, help="Manifest paths when no plan file is given (default manifests/).")
@click.option("--auto-approve", is_flag=True, help="Apply without asking (CI).")
@click.option("--journal", type=click.Path(dir_okay=False), help="Journal file (default .reconciler/journal/).")
@click.option("--now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%SZ"]),
              help="Plan as of this time (no plan file).")
@click.option("--allow-destructive", multiple=True, metavar="ADDRESS|all")
@click.option("--shard", metavar="K/N", help="Only this shard of the customers (no plan file).")
def apply(plan_file, endpoint, paths, auto_approve, journal, now, allow_destructive, shard) -> None:
    """Apply PLAN_FILE (from `reconciler plan --out`), or plan and apply after confirmation."""
    from reconciler.apply import apply_plan
    from reconciler.plan.format import load_plan_with_id

    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    verified_id = None
    if plan_file:
        plan, verified_id = load_plan_with_id(Path(plan_file))  # a str that is not a file: parsed as plan text
    else:
        plan = _plan_interactively(paths, endpoint, now, allow_destructive, auto_approve, shard)
        if plan is None:
            return
    report = run(apply_plan(plan, endpoint=endpoint, journal_path=journal, on_outcome=_print_outcome,
                            progress=lambda m: click.echo(m, err=True), verified_id=verified_id))
    _print_report(report)
    if not report.ok:
        failed = next(o for o in report.outcomes if o.status == "failed")
        raise ApplyError(f"apply stopped at {failed.op.id}: {failed.message}",
                         hint="fix the cause, then run reconciler plan to see exactly what is left")
