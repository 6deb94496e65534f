"""The saved plan: a public, versioned JSON file that ``apply`` consumes and nothing else produces.

:class:`~reconciler.plan.model.Plan` is the in-memory plan; this module is its one serialized form (the way
SQLMesh keeps ``Plan`` apart from ``EvaluatablePlan``). The document, in this key order::

    format_version  int, one of SUPPORTED_VERSIONS
    plan_id         sha256 hex of the plan's content (everything below except created_at and checksum)
    created_at      when the plan was made (wall clock; the only field outside plan_id)
    now             the single "now" the plan was made at
    target          the endpoint display string (never a credential)
    operations[]    in execution order; each with id, address, kind, action, summary, reason, destructive, allowed,
                    risk (its name: SAFE | BILLING | DESTRUCTIVE), fingerprint, live_id, customer_id,
                    uniqueness_key, request {method, path, body}, changes[], creates
    drift[], warnings[], unmanaged[], managed[]
    checksum        "sha256:<hex>" over the canonical JSON of every other key

Canonical JSON is sorted keys, no whitespace, UTF-8, so re-indenting a file keeps it valid while editing a value
does not. :func:`load_plan` refuses anything it cannot trust with a :class:`~reconciler.errors.PlanFileError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler.errors import PlanFileError
from reconciler.plan.model import FORMAT_VERSION, Plan, Risk

SUPPORTED_VERSIONS: tuple[int, ...] = (FORMAT_VERSION,)
"""The ``format_version`` values this build can read."""

CHECKSUM_PREFIX = "sha256:"
AGAIN = "run reconciler plan again"
_UNHASHED = ("plan_id", "created_at", "checksum")
"""Keys left out of ``plan_id``: the id names what the plan does, not when it was made."""


# -- writing ----------------------------------------------------------------------------------------------------

def plan_document(plan: Plan) -> dict[str, Any]:
    """The complete file content as a dict, checksum included, keys in schema order."""
    body = _content(plan)
    doc = {"format_version": FORMAT_VERSION, "plan_id": _plan_id_of(body), **body}
    doc["checksum"] = checksum(doc)
    return doc


def dump_plan(plan: Plan, *, indent: int | None = 2) -> str:
    """The plan file text. ``indent=None`` gives one compact line; the content is the same either way."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(plan_document(plan), indent=indent, separators=separators, ensure_ascii=False,
                      allow_nan=False)
    return text + "\n"


def save_plan(plan: Plan, path: str | os.PathLike[str]) -> Path:
    """Write the plan file atomically: a temporary file beside ``path``, then a rename. Never a partial file."""
    path = Path(path)
    text = dump_plan(plan)
    try:
        _atomic_write(path, text)
    except OSError as exc:
        raise PlanFileError(f"cannot write plan file {path}: {exc.strerror or exc}") from exc
    return path


def plan_id(plan: Plan) -> str:
    """The plan's content id (sha256 hex). Same desired state, live state, ``now`` and target: same id."""
    return _plan_id_of(_content(plan))


def checksum(doc: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``doc`` without its ``checksum`` key."""
    return CHECKSUM_PREFIX + _sha256(canonical_json({k: v for k, v in doc.items() if k != "checksum"}))


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII kept: the one form every hash in this file is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _content(plan: Plan) -> dict[str, Any]:
    data = plan.model_dump(mode="json")
    data["operations"] = [_op_document(op) for op in data["operations"]]
    return {key: data[key] for key in ("created_at", "now", "target", "operations", "drift", "warnings",
                                       "unmanaged", "managed")}


def _op_document(op: dict[str, Any]) -> dict[str, Any]:
    return {**op, "risk": Risk(op["risk"]).name}


def _plan_id_of(body: dict[str, Any]) -> str:
    hashed = {"format_version": FORMAT_VERSION, **{k: v for k, v in body.items() if k not in _UNHASHED}}
    return _sha256(canonical_json(hashed))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- reading ----------------------------------------------------------------------------------------------------

def load_plan(source: str | os.PathLike[str]) -> Plan:
    """Read and verify a plan file (a path, or the JSON text itself) and return the in-memory plan.

    Refused, in this order: unreadable file, not JSON, not an object, missing or unsupported
    ``format_version``, missing or mismatched ``checksum``, a ``plan_id`` that does not match the content,
    content that does not validate as a plan.
    """
    return load_plan_with_id(source)[0]


def load_plan_with_id(source: str | os.PathLike[str]) -> tuple[Plan, str]:
    """:func:`load_plan`, and the plan's id, which loading has just checked against the content (so that
    ``apply`` need not hash a large plan a second time)."""
    text, name = _read(source)
    doc = _parse(text, name)
    _check_version(doc, name)
    _check_checksum(doc, name)
    plan = _validate(doc, name)
    return plan, _check_plan_id(doc, plan, name)


def check_target(plan: Plan, target_display: str) -> None:
    """Refuse to apply a plan that was made against another endpoint."""
    if plan.target != target_display:
        raise PlanFileError(
            f"plan {plan_id(plan)[:12]} was made for {plan.target}, not for {target_display}",
            hint=f"{AGAIN} against {target_display}, or apply it with the endpoint it was made for",
        )


def _read(source: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(source, str) and not os.path.isfile(source):
        return source, "plan text"
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"cannot read plan file {path}: {getattr(exc, 'strerror', None) or exc}",
                            hint=f"check the path, or {AGAIN} with --out") from exc


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(f"{name} is not a JSON plan file (truncated or corrupted?): {exc}") from None
    if not isinstance(doc, dict):
        raise _refuse(f"{name} is not a plan file: expected a JSON object, found {type(doc).__name__}")
    return doc


def _check_version(doc: dict[str, Any], name: str) -> None:
    version = doc.get("format_version")
    supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
    if "format_version" not in doc:
        raise _refuse(f"{name} has no format_version; this reconciler reads format_version {supported}")
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        raise _refuse(f"{name} has format_version {json.dumps(version)}; this reconciler reads "
                      f"format_version {supported}")


def _check_checksum(doc: dict[str, Any], name: str) -> None:
    recorded = doc.get("checksum")
    if not isinstance(recorded, str) or not recorded.startswith(CHECKSUM_PREFIX):
        raise _refuse(f"{name} has no valid checksum; it was not written by reconciler plan or was edited")
    if recorded != checksum(doc):
        raise _refuse(f"{name} fails its checksum: the file was modified or corrupted after it was written")


def _validate(doc: dict[str, Any], name: str) -> Plan:
    data = {k: v for k, v in doc.items() if k not in ("plan_id", "checksum")}
    try:
        data["operations"] = [_op_model_data(op) for op in data.get("operations", [])]
        return Plan.model_validate(data)
    except (ValidationError, TypeError, KeyError, ValueError) as exc:
        raise _refuse(f"{name} is not a valid plan: {_first_error(exc)}") from None


def _op_model_data(op: Any) -> Any:
    if not isinstance(op, dict) or not isinstance(op.get("risk"), str):
        return op  # model validation reports what is wrong with it
    if op["risk"] not in Risk.__members__:
        raise ValueError(f"unknown risk {op['risk']!r} in operation {op.get('id')!r}; "
                         f"expected one of {', '.join(Risk.__members__)}")
    return {**op, "risk": Risk[op["risk"]]}


def _check_plan_id(doc: dict[str, Any], plan: Plan, name: str) -> str:
    content_id = plan_id(plan)
    if doc.get("plan_id") != content_id:
        raise _refuse(f"{name} has a plan_id that does not match its content; the file was edited")
    return content_id


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {err['msg']}{more}"
    return str(exc)


def _refuse(message: str) -> PlanFileError:
    return PlanFileError(message, hint=AGAIN)
