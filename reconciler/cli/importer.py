"""``reconciler import``: write manifests for live customers and contracts, one file per customer.

stdout lists the files written and a summary; stderr has progress, and one line per live field the manifest
format cannot express (``contract.acme/pro: not imported: scheduled_charges[0] (…)``). The exit code is 0 even
when fields were not imported (the summary counts them); 1 on any error, before any file is written when the
error is in the command line or the read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from reconciler.errors import ConfigError
from reconciler.runner import run

UTC = dt.timezone.utc


@click.command("import")
@click.option("--endpoint", envvar="RECONCILER_ENDPOINT", show_envvar=True, default=None,
              help="Metronome API URL, or 'embedded' for the local emulator (the default).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write <customer-key>.yaml files into (created if missing).")
@click.option("--customer", "customers", multiple=True, metavar="ID_OR_ALIAS",
              help="Import this customer (a Metronome id or an ingest alias); repeatable.")
@click.option("--all", "everything", is_flag=True, help="Import every active customer of the account.")
def import_(endpoint: str | None, out: Path, customers: tuple[str, ...], everything: bool) -> None:
    """Write commented manifests for live customers and their contracts, so that plan reports no changes."""
    if bool(customers) == everything:
        raise ConfigError("give --customer (one or more) or --all", hint="e.g. reconciler import --out manifests/ --all")
    files = run(_import(endpoint, list(customers), everything))
    _report(files, out)


async def _import(endpoint: str | None, selectors: list[str], everything: bool):
    from reconciler.importer.convert import convert_customers
    from reconciler.importer.read import read_for_import
    from reconciler.metronome import open_client, resolve_endpoint

    now = dt.datetime.now(UTC)
    async with open_client(resolve_endpoint(endpoint), progress=_progress) as client:
        source = await read_for_import(client, selectors=selectors, everything=everything, now=now)
    return convert_customers(source.catalog, source.customers, now)


def _report(files, out: Path) -> None:
    from reconciler.importer.write import write_file

    skipped = [s for f in files for s in f.skipped]
    for line in [*(str(s) for s in skipped), *(n for f in files for n in f.notes)]:
        click.echo(line, err=True)
    for file in files:
        click.echo(f"wrote {write_file(out, file)}")
    contracts = sum(len(f.documents) - 1 for f in files)
    click.echo(f"Imported {len(files)} customer{'s' if len(files) != 1 else ''} and {contracts} "
               f"contract{'s' if contracts != 1 else ''} into {out}; {len(skipped)} field"
               f"{'s' if len(skipped) != 1 else ''} not imported" + (" (listed on stderr)." if skipped else "."))


def _progress(message: str) -> None:
    click.echo(message, err=True)
