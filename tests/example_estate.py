"""An estate of customers made from the example manifests (``manifests/``), for tests that plan many customers."""

from __future__ import annotations

import re
from pathlib import Path

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
