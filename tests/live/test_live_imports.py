"""``reconciler.live.model`` (which the pure planner imports) must not pull in an HTTP library."""

from __future__ import annotations

import subprocess
import sys


def test_live_model_and_package_import_no_http_library():
    code = ("import sys, reconciler.live, reconciler.live.model, reconciler.plan.planner; "
            "print(sorted(m for m in ('httpx', 'httpcore', 'requests', 'urllib3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_read_live_is_exported_lazily():
    from reconciler.live import read_live
    from reconciler.live.read import read_live as direct

    assert read_live is direct
