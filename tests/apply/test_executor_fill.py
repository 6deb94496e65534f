"""Placeholders in a request body (``${customer.<name>.id}``) are filled with ids created earlier in the apply."""

from __future__ import annotations

import pytest

from reconciler.apply.executor import _filled
from reconciler.errors import ApplyError

BODY = {"customer_id": "c-1", "subscriptions": [{"name": "Pro", "custom_fields": {"tier": "pro"}}]}


def test_a_body_without_placeholders_is_sent_as_it_is_without_a_copy():
    assert _filled(BODY, {"customer.acme": "new-id"}) is BODY


def test_placeholders_are_filled_wherever_they_are_and_the_plan_body_is_left_alone():
    body = {"customer_id": "${customer.acme.id}", "items": [{"for": "${customer.acme.id}"}, "${customer.x"]}
    filled = _filled(body, {"customer.acme": "new-id"})
    assert filled == {"customer_id": "new-id", "items": [{"for": "new-id"}, "${customer.x"]}
    assert body["customer_id"] == "${customer.acme.id}"


def test_a_placeholder_nothing_created_is_refused():
    with pytest.raises(ApplyError, match="did not run"):
        _filled({"customer_id": "${customer.ghost.id}"}, {})
