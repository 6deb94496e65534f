"""The public surface of ``reconciler.metronome`` is exactly its ``__all__`` (as httpx tests its own)."""

from __future__ import annotations

import reconciler.metronome as metronome

EXPECTED = {
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
}


def test_all_is_the_expected_surface():
    assert set(metronome.__all__) == EXPECTED
    assert len(metronome.__all__) == len(EXPECTED)


def test_every_exported_name_exists_and_public_names_are_exported():
    exported = set(metronome.__all__)
    for name in exported:
        assert hasattr(metronome, name), name
    public = {name for name, value in vars(metronome).items()
              if not name.startswith("_") and getattr(value, "__module__", "").startswith("reconciler.metronome")}
    submodules = {"api", "client", "connect", "endpoint", "pagination"}
    assert public - submodules <= exported


def test_exported_members_belong_to_the_package():
    for name in metronome.__all__:
        member = getattr(metronome, name)
        if callable(member):
            assert member.__module__.startswith("reconciler.metronome."), name
