"""The hand-written request models match the official request schemas: same field names, same required flags,
recursively through the nested objects the models spell out. Known drift between the saved OpenAPI document
and SDK 4.12.0 (reference §10) is allowed explicitly, and each allowance is checked against the SDK."""

from __future__ import annotations

import json
import typing

import pytest
from pydantic import BaseModel

from reconciler.emulator.app import API_ROUTES
from reconciler.emulator.requests import catalog, contracts, customers, edits, reads
from tests.emulator.conftest import SPEC_PATH

MODELS = {
    ("post", "/v1/customers"): customers.CustomerCreate,
    ("post", "/v1/customers/{customer_id}/setName"): customers.CustomerSetName,
    ("post", "/v1/customers/{customer_id}/setIngestAliases"): customers.CustomerSetIngestAliases,
    ("post", "/v1/customers/archive"): customers.CustomerArchive,
    ("post", "/v1/setCustomerBillingProviderConfigurations"): customers.BillingProviderConfigurationsSet,
    ("post", "/v1/getCustomerBillingProviderConfigurations"): customers.BillingProviderConfigurationsGet,
    ("post", "/v1/customFields/listKeys"): customers.CustomFieldListKeys,
    ("post", "/v1/customFields/addKey"): customers.CustomFieldAddKey,
    ("post", "/v1/customFields/removeKey"): customers.CustomFieldRemoveKey,
    ("post", "/v1/customFields/setValues"): customers.CustomFieldSetValues,
    ("post", "/v1/customFields/deleteValues"): customers.CustomFieldDeleteValues,
    ("post", "/v1/contract-pricing/products/list"): catalog.ProductList,
    ("post", "/v1/contract-pricing/products/get"): catalog.ProductGet,
    ("post", "/v1/contract-pricing/rate-cards/list"): catalog.RateCardList,
    ("post", "/v1/contract-pricing/rate-cards/get"): catalog.RateCardGet,
    ("post", "/v1/contract-pricing/rate-cards/getRates"): catalog.RateCardGetRates,
    ("post", "/v1/contracts/create"): contracts.ContractCreate,
    ("post", "/v1/contracts/archive"): reads.ContractArchive,
    ("post", "/v1/contracts/updateEndDate"): reads.ContractUpdateEndDate,
    ("post", "/v1/contracts/getSubscriptionSeatsHistory"): reads.SeatsHistory,
    ("post", "/v1/contracts/getSubscriptionQuantityHistory"): reads.QuantityHistory,
    ("post", "/v2/contracts/get"): reads.ContractGet,
    ("post", "/v2/contracts/list"): reads.ContractList,
    ("post", "/v2/contracts/edit"): edits.ContractEdit,
    ("post", "/v2/contracts/getEditHistory"): reads.ContractRef,
}

#: (endpoint, field path) -> why the model differs from the saved spec. Each is checked against the SDK below.
SDK_ONLY_FIELDS = {
    ("/v2/contracts/list", "cursor"): ("v2.contract_list_params", "ContractListParams"),
    ("/v2/contracts/list", "limit"): ("v2.contract_list_params", "ContractListParams"),
    ("/v2/contracts/edit", "update_subscriptions[].name"): ("v2.contract_edit_params", "UpdateSubscription"),
    ("/v2/contracts/edit", "add_commits[].payment_gate_config"): ("v2.contract_edit_params", "AddCommit"),
}
SDK_ONLY_SUFFIXES = {"access_amount.access_type"}
SDK_OPTIONAL_SUFFIXES = {"access_amount.credit_type_id"}


@pytest.fixture(scope="module")
def spec() -> dict:
    if not SPEC_PATH.exists():
        pytest.skip(f"the OpenAPI document is not at {SPEC_PATH}")
    return json.loads(SPEC_PATH.read_text())


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].split("/")[1:]:
            node = node[part]
        schema = node
    if "allOf" in schema:
        merged: dict = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = resolve(spec, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    if schema.get("type") == "array":
        return resolve(spec, schema["items"])
    return schema


def submodel(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = submodel(arg)
        if found is not None:
            return found
    return None


def compare(spec: dict, endpoint: str, model: type[BaseModel], schema: dict, path: str, problems: list) -> int:
    """Appends every mismatch to ``problems``; returns how many objects were compared."""
    schema = resolve(spec, schema)
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    fields = model.model_fields
    for name in sorted(set(properties) | set(fields)):
        where = f"{path}{name}"
        if name not in fields:
            problems.append(f"{endpoint}: {where} is in the spec but not in {model.__name__}")
        elif name not in properties:
            if (endpoint, where) not in SDK_ONLY_FIELDS and not any(where.endswith(s) for s in SDK_ONLY_SUFFIXES):
                problems.append(f"{endpoint}: {where} is in {model.__name__} but not in the spec")
        elif fields[name].is_required() != (name in required):
            if not any(where.endswith(s) for s in SDK_OPTIONAL_SUFFIXES):
                problems.append(f"{endpoint}: {where} required={fields[name].is_required()} in the model, "
                                f"{name in required} in the spec")
    compared = 1
    for name, field in fields.items():
        child = submodel(field.annotation)
        if child is not None and name in properties:
            suffix = "[]" if resolve_type(spec, properties[name]) == "array" else ""
            compared += compare(spec, endpoint, child, properties[name], f"{path}{name}{suffix}.", problems)
    return compared


def resolve_type(spec: dict, schema: dict) -> str | None:
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].split("/")[1:]:
            node = node[part]
        schema = node
    return schema.get("type")


def request_schema(spec: dict, method: str, path: str) -> dict:
    body = spec["paths"][path][method].get("requestBody")
    if body is None:
        return {"type": "object", "properties": {}}
    return resolve(spec, body)["content"]["application/json"]["schema"] if "content" in resolve(spec, body) else {}


def test_every_implemented_body_endpoint_has_a_model():
    body_routes = {(method.lower(), path) for method, path, _, _ in API_ROUTES if method == "POST"}
    assert body_routes == set(MODELS)


@pytest.mark.parametrize("method, path", sorted(MODELS), ids=[p for _, p in sorted(MODELS)])
def test_request_model_matches_the_spec(spec, method, path):
    problems: list[str] = []
    compared = compare(spec, path, MODELS[(method, path)], request_schema(spec, method, path), "", problems)
    assert problems == []
    if path in ("/v1/contracts/create", "/v2/contracts/edit"):
        assert compared > 20  # the nested objects really were compared


def test_spec_walk_catches_a_mismatch(spec):
    class Broken(contracts.SubscriptionInput):
        invented: str | None = None

    problems: list[str] = []
    schema = resolve(spec, request_schema(spec, "post", "/v1/contracts/create"))["properties"]["subscriptions"]
    compare(spec, "/v1/contracts/create", Broken, schema, "subscriptions[].", problems)
    assert problems == ["/v1/contracts/create: subscriptions[].invented is in Broken but not in the spec"]


@pytest.mark.parametrize("key", sorted(SDK_ONLY_FIELDS))
def test_each_sdk_only_allowance_is_in_the_sdk(key):
    pytest.importorskip("metronome")
    import importlib

    module, typed_dict = SDK_ONLY_FIELDS[key]
    params = getattr(importlib.import_module(f"metronome.types.{module}"), typed_dict)
    assert key[1].rsplit(".", 1)[-1] in typing.get_type_hints(params)
