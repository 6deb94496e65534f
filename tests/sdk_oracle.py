"""The official ``metronome-sdk`` as a test oracle for request bodies.

Every request body the reconciler builds is checked against the SDK's typed params for its path: no unknown key
at any depth, every required key present, literals within their enums, scalars of the right type. The SDK's
TypedDicts are walked with their own type hints, so the oracle follows the SDK version pinned in pyproject.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import re
import types
import typing

from typing_extensions import get_args, get_origin, get_type_hints, is_typeddict

from metronome.types import v1, v2
from metronome.types.v1 import (
    contract_create_params, custom_field_add_key_params, custom_field_set_values_params, customer_create_params,
    customer_set_billing_configurations_params, customer_set_ingest_aliases_params, customer_set_name_params,
)
from metronome.types.v2 import contract_edit_params

PARAMS: list[tuple[str, type]] = [
    (r"^/v1/customers$", customer_create_params.CustomerCreateParams),
    (r"^/v1/customers/[^/]+/setName$", customer_set_name_params.CustomerSetNameParams),
    (r"^/v1/customers/[^/]+/setIngestAliases$", customer_set_ingest_aliases_params.CustomerSetIngestAliasesParams),
    (r"^/v1/customFields/setValues$", custom_field_set_values_params.CustomFieldSetValuesParams),
    (r"^/v1/customFields/addKey$", custom_field_add_key_params.CustomFieldAddKeyParams),
    (r"^/v1/setCustomerBillingProviderConfigurations$",
     customer_set_billing_configurations_params.CustomerSetBillingConfigurationsParams),
    (r"^/v1/contracts/create$", contract_create_params.ContractCreateParams),
    (r"^/v2/contracts/edit$", contract_edit_params.ContractEditParams),
]
assert v1 and v2

PLACEHOLDER = re.compile(r"^\$\{customer\.[^}]+\.id\}$")


def params_for(path: str) -> type:
    for pattern, params in PARAMS:
        if re.match(pattern, path):
            return params
    raise KeyError(f"no SDK params registered for {path}")


def validate_body(path: str, body: dict) -> list[str]:
    """Problems of ``body`` against the SDK params of ``path`` (empty when it conforms)."""
    problems: list[str] = []
    _check(body, params_for(path), "body", problems, path_param_keys=_path_params(path))
    return problems


def _path_params(path: str) -> set[str]:
    return {"customer_id"} if re.match(r"^/v1/customers/[^/]+/", path) else set()


def _check(value, hint, where: str, problems: list[str], path_param_keys: set[str] = frozenset()) -> None:
    hint = _strip_annotated(hint)
    origin = get_origin(hint)
    if hint is typing.Any or hint is object:
        return
    if is_typeddict(hint):
        _check_typeddict(value, hint, where, problems, path_param_keys)
    elif origin in (typing.Union, types.UnionType):
        _check_union(value, hint, where, problems)
    elif origin is typing.Literal:
        if value not in get_args(hint):
            problems.append(f"{where}: {value!r} not in {get_args(hint)}")
    elif origin in (list, collections.abc.Iterable, collections.abc.Sequence, typing.List):
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check(item, get_args(hint)[0], f"{where}[{i}]", problems)
    elif origin in (dict, typing.Dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object, got {type(value).__name__}")
    else:
        _check_scalar(value, hint, where, problems)


def _check_typeddict(value, hint, where, problems, path_param_keys) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where}: expected an object, got {type(value).__name__}")
        return
    hints = get_type_hints(hint, include_extras=True)
    for key in value:
        if key not in hints:
            problems.append(f"{where}.{key}: unknown key (allowed: {', '.join(sorted(hints))})")
    for key in hint.__required_keys__ - set(value) - set(path_param_keys):
        problems.append(f"{where}.{key}: required key missing")
    for key, item in value.items():
        if key in hints:
            _check(item, hints[key], f"{where}.{key}", problems)


def _check_union(value, hint, where, problems) -> None:
    options = [a for a in get_args(hint)]
    if value is None and type(None) in options:
        return
    attempts = []
    for option in options:
        if option is type(None):
            continue
        found: list[str] = []
        _check(value, option, where, found)
        if not found:
            return
        attempts.append(found)
    problems.extend(min(attempts, key=len) if attempts else [f"{where}: no union member matches"])


def _check_scalar(value, hint, where, problems) -> None:
    if hint is str:
        ok = isinstance(value, str)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is bool:
        ok = isinstance(value, bool)
    elif hint in (dt.datetime, dt.date):
        ok = isinstance(value, str) and bool(re.match(r"^\d{4}-\d{2}-\d{2}", value))
    elif hint is type(None):
        ok = value is None
    else:
        ok = True
    if not ok:
        problems.append(f"{where}: {value!r} is not a {getattr(hint, '__name__', hint)}")


def _strip_annotated(hint):
    while get_origin(hint) is typing.Annotated:
        hint = get_args(hint)[0]
    if hasattr(typing, "Required") and get_origin(hint) in (typing.Required, typing.NotRequired):
        return _strip_annotated(get_args(hint)[0])
    import typing_extensions
    if get_origin(hint) in (typing_extensions.Required, typing_extensions.NotRequired):
        return _strip_annotated(get_args(hint)[0])
    return hint
