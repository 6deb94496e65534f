"""The ``reconciler`` command line.

Each subcommand lives in its own module of this package and is loaded on first use, so that ``validate``
never imports the HTTP stack and a broken optional piece never breaks the others. ``main`` turns every
:class:`~reconciler.errors.ReconcilerError` into a message on stderr and the exception's own exit code.
"""

from __future__ import annotations

import importlib
import click

from reconciler import __version__
from reconciler.errors import ReconcilerError

#: subcommand name -> "module:attribute" inside this package.
COMMANDS: dict[str, str] = {
    "validate": "validate:validate",
    "schema": "validate:schema",
    "plan": "plan:plan",
    "show": "plan:show",
    "apply": "apply:apply",
    "import": "importer:import_",
    "drift": "plan:drift",
    "emulator": "emulator:emulator",
}


class LazyGroup(click.Group):
    """A group whose commands are imported only when named (click's documented lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._available(name))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS or not self._available(name):
            return None
        module, attr = COMMANDS[name].split(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ReconcilerError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)

    @staticmethod
    def _available(name: str) -> bool:
        module, attr = COMMANDS[name].split(":")
        try:
            return hasattr(importlib.import_module(f"{__name__}.{module}"), attr)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__name__}."):
                return False
            raise


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="reconciler")
def cli() -> None:
    """Metronome contracts as code: validate manifests, plan changes, apply them safely."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``[project.scripts]``)."""
    cli.main(args=argv, prog_name="reconciler")
