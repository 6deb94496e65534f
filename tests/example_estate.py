"""An estate of customers made from the example manifests (``manifests/``), for tests that plan many customers."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Callable

from reconciler.apply import apply_plan
from reconciler.pipeline import make_plan

EXAMPLES = Path(__file__).resolve().parents[1] / "manifests"
SETUPS = ("northwind", "acme", "globex")


def write_customer(directory: Path, i: int, *, changed: bool = False) -> str:
    """Customer ``i``: example set-up ``i % 3`` renamed ``<setup>-<i>``; ``changed`` edits its contract (more
    seats, or a larger quantity). Returns the customer key."""
    setup = SETUPS[i % 3]
    key = f"{setup}-{i:02d}"
    text = (EXAMPLES / f"{setup}.yaml").read_text()
    text = re.sub(rf"^(\s*(?:name|customer): ){setup}$", rf"\g<1>{key}", text, flags=re.M)
    if changed:
        text = text.replace("quantity: 2", "quantity: 5").replace(
            "          - seat3@globex.com\n", "          - seat3@globex.com\n          - seat4@globex.com\n")
    (directory / f"{key}.yaml").write_text(text)
    return key


def applied_estate(root: Path, customers: int, *, applied: int, changed: Callable[[int], bool],
                   now: dt.datetime) -> tuple[Path, Path]:
    """Customers ``0 .. applied-1`` planned and applied to an emulator database under ``root``, then the manifests
    of all ``customers`` written with those ``changed(i)`` edited: (the manifests directory, the database)."""
    db, first, final = root / "emulator.db", root / "applied", root / "manifests"
    first.mkdir()
    final.mkdir()
    for i in range(applied):
        write_customer(first, i)
    the_plan = asyncio.run(make_plan([str(first)], endpoint=f"emulator:{db}", now=now))
    assert asyncio.run(apply_plan(the_plan, endpoint=f"emulator:{db}", journal_path=root / "j.jsonl")).ok
    for i in range(customers):
        write_customer(final, i, changed=changed(i))
    return final, db
