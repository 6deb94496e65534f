"""The Metronome API client: endpoint and token resolution, the async httpx client, pagination, named operations.

This package holds the product's only HTTP code (besides the emulator). Everything above it (``live`` reads,
``apply`` writes) calls :class:`MetronomeClient` methods named after Metronome's own operations.
"""

from reconciler.metronome.client import (
    DEFAULT_CONCURRENCY,
    MetronomeClient,
    RequestStats,
    RetryPolicy,
    retry_after_seconds,
)
from reconciler.metronome.connect import open_client
from reconciler.metronome.endpoint import Endpoint, Secret, resolve_endpoint, resolve_token
from reconciler.metronome.pagination import (
    body_cursor,
    body_cursor_field,
    body_cursor_next_page,
    collect,
    query_cursor,
    query_cursor_without_limit,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "Endpoint",
    "MetronomeClient",
    "RequestStats",
    "RetryPolicy",
    "Secret",
    "body_cursor",
    "body_cursor_field",
    "body_cursor_next_page",
    "collect",
    "open_client",
    "query_cursor",
    "query_cursor_without_limit",
    "resolve_endpoint",
    "resolve_token",
    "retry_after_seconds",
]
