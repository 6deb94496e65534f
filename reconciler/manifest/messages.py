"""Turning pydantic's validation errors into messages a billing engineer can act on.

Each pydantic error type gets a sentence and, where one helps, a hint: an unknown field suggests the
closest allowed field ("did you mean quantity?"), a bad enum lists the allowed values, a missing field
quotes the field's own docstring. The tables are data; :func:`explain` only looks things up.
"""

from __future__ import annotations

import difflib
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from reconciler.manifest.problems import Loc
from reconciler.manifest.types import KEY_PATTERN, NAME_PATTERN, UUID_PATTERN

#: error type -> what the value must be (the input is appended: "must be a number, got text 'ten'").
_EXPECTED: dict[str, str] = {
    "string_type": "must be text",
    "float_type": "must be a number", "float_parsing": "must be a number",
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false", "bool_parsing": "must be true or false",
    "list_type": "must be a list", "dict_type": "must be a mapping",
    "model_type": "must be a mapping of fields", "model_attributes_type": "must be a mapping of fields",
    "datetime_type": "must be a timestamp", "datetime_parsing": "must be a timestamp",
    "datetime_from_date_parsing": "must be a timestamp",
}

#: regex pattern -> what it means in words.
_PATTERNS: dict[str, tuple[str, str]] = {
    NAME_PATTERN: ("must be lower case letters, digits, '.', '_' or '-', start and end with a letter or digit, "
                   "and be at most 63 characters", "for example acme or pro-annual"),
    UUID_PATTERN.pattern: ("must be a Metronome id (a UUID)", "for example 4c09936b-455d-4c72-a120-d71b600a7546"),
}
_PATTERNS.setdefault(KEY_PATTERN, _PATTERNS[NAME_PATTERN])

_BOUNDS: dict[str, str] = {
    "greater_than_equal": "must be at least {ge:g}",
    "greater_than": "must be greater than {gt:g}",
    "less_than_equal": "must be at most {le:g}",
    "less_than": "must be less than {lt:g}",
}


def explain(error: ErrorDetails, model: type[BaseModel], original: Any) -> tuple[str, str | None]:
    """(message, hint) for one pydantic error; ``original`` is the value as written in the file."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_field(error["loc"], model)
    if kind == "missing":
        return _missing_field(error["loc"], model)
    if kind == "literal_error":
        return _bad_choice(ctx.get("expected", ""), original)
    if kind in _EXPECTED:
        return f"{_EXPECTED[kind]}, got {describe(original)}", _type_hint(kind)
    if kind == "string_pattern_mismatch":
        message, hint = _PATTERNS.get(str(ctx.get("pattern")), ("has the wrong format", None))
        return f"{message}, got {describe(original)}", hint
    return _other(kind, ctx, error, original)


def _other(kind: str, ctx: dict, error: ErrorDetails, original: Any) -> tuple[str, str | None]:
    if kind in _BOUNDS:
        hint = "quantities and amounts cannot be negative" if ctx.get("ge") == 0 else None
        if "le" in ctx and ctx["le"] >= 1e9:
            hint = "this limit guards against a slipped digit; check the value"
        return f"{_BOUNDS[kind].format(**ctx)}, got {describe(original)}", hint
    if kind == "finite_number":
        return f"must be a finite number, got {describe(original)}", "NaN and infinity are never valid amounts"
    if kind in ("string_too_short", "too_short"):
        return ("must not be empty" if ctx.get("min_length") == 1
                else f"must have at least {ctx.get('min_length')} items"), None
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long", None
    if kind == "too_long":
        return (f"must have at most {ctx.get('max_length')} items, got {ctx.get('actual_length')}",
                "this limit guards against a runaway or generated list; check how the list was made")
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"])), None
    return error["msg"], None


def _type_hint(kind: str) -> str | None:
    if kind.startswith("datetime"):
        return "write an RFC 3339 timestamp such as 2025-01-01T00:00:00Z, or a date such as 2025-01-01"
    if kind == "string_type":
        return "quote the value if YAML reads it as a number, date or true/false"
    return None


def describe(value: Any) -> str:
    """A value as a YAML author would name it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value!r}" if abs(value) < 1e16 else f"{value:g}"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else type(value).__name__


def _unknown_field(loc: Loc, model: type[BaseModel]) -> tuple[str, str | None]:
    name, owner = str(loc[-1]), model_at(model, loc[:-1])
    message = f"unknown field {name!r}"
    if owner is None:
        return message, None
    allowed = list(owner.model_fields)
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    return message, f"did you mean {close[0]!r}?" if close else "allowed fields: " + ", ".join(allowed)


def _missing_field(loc: Loc, model: type[BaseModel]) -> tuple[str, str | None]:
    name, owner = str(loc[-1]), model_at(model, loc[:-1])
    info = owner.model_fields.get(name) if owner else None
    description = (info.description or "").split("\n")[0].replace("``", "") if info else ""
    return f"missing required field {name!r}", f"add {name}: ({description})" if description else f"add {name}:"


def _bad_choice(expected: str, original: Any) -> tuple[str, str | None]:
    allowed = re.findall(r"'([^']*)'", expected)
    message = f"{describe(original)} is not one of {', '.join(allowed)}"
    if not isinstance(original, str):
        return message, None
    close = difflib.get_close_matches(original.upper(), [a.upper() for a in allowed], n=1, cutoff=0.6)
    return message, f"did you mean {allowed[[a.upper() for a in allowed].index(close[0])]}?" if close else None


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the value at ``loc`` under ``model``, if that value is a model."""
    current: Any = model
    for part in loc:
        current = _step(_unwrap(current), part)
        if current is None:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _step(current: Any, part: Any) -> Any:
    if isinstance(current, type) and issubclass(current, BaseModel):
        info = current.model_fields.get(str(part))
        return info.annotation if info else None
    origin = get_origin(current)
    if origin is list and isinstance(part, int):
        return get_args(current)[0]
    if origin is dict:
        return get_args(current)[1]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` until a plain type (or a real union) is left."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
