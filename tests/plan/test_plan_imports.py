"""The planner is pure: importing it (and the plan format and the renderers) loads no HTTP library."""

from __future__ import annotations

import subprocess
import sys

HTTP_LIBRARIES = ("httpx", "httpcore", "requests", "urllib3", "aiohttp", "starlette", "uvicorn")
PROBE = """
import sys
import reconciler.plan.planner, reconciler.plan.format, reconciler.render
import reconciler.render.text, reconciler.render.markdown, reconciler.render.json
print(",".join(sorted(name for name in {libraries!r} if name in sys.modules)))
"""


def loaded_after(imports: str) -> list[str]:
    code = PROBE.replace("import reconciler.plan.planner, reconciler.plan.format, reconciler.render", imports)
    result = subprocess.run([sys.executable, "-c", code.format(libraries=HTTP_LIBRARIES)], capture_output=True,
                            text=True, check=True)
    return [name for name in result.stdout.strip().split(",") if name]


def test_the_plan_package_and_renderers_import_no_http_library():
    assert loaded_after("import reconciler.plan.planner, reconciler.plan.format, reconciler.render") == []


def test_the_probe_sees_an_http_library_when_one_is_imported():
    assert "httpx" in loaded_after("import reconciler.plan.planner, httpx")
