"""``reconciler validate`` and ``reconciler schema``: offline checks of the manifests, no API needed.

``validate`` loads every manifest under the given paths and either prints a one-line summary (exit 0)
or every problem, one per line as ``file:line:column: field: message (hint: …)``, on stderr (exit 1).
``schema`` prints the JSON Schema of the manifest format for editors (see ``docs/editor-setup.md``).
"""

from __future__ import annotations

import json

import click

from reconciler.errors import ManifestError
from reconciler.manifest.loader import load


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
def validate(paths: tuple[str, ...]) -> None:
    """Check the manifests under PATHS (default: manifests/) without calling Metronome."""
    try:
        desired = load(paths or ("manifests/",))
    except ManifestError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        count = len(exc.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        raise click.exceptions.Exit(exc.exit_code) from None
    files = len({source.file for source in desired.sources.values()})
    click.echo(_summary(files, len(desired.customers), len(desired.contracts)))


def _summary(files: int, customers: int, contracts: int) -> str:
    return (f"{files} manifest{'s' if files != 1 else ''} valid: "
            f"{customers} customer{'s' if customers != 1 else ''}, {contracts} contract{'s' if contracts != 1 else ''}")


@click.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of one manifest document."""
    from reconciler.manifest.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
