"""``Idempotency-Key`` (reference §1.5): a POST carrying the header is executed once per key.

Its answer (status, content type, body) is stored with a fingerprint of the request (method, path, query and the
body as sorted-key JSON). A re-send with the same key and the same fingerprint gets that answer again, even an
error, without anything being executed; a different fingerprint gets 409. Answers are kept 24 h by the emulator
clock. Only what a handler answers is stored: the control layer's own answers before execution (401, injected
429 / 5xx / drop / timeout) are not, so a re-send after one of them executes.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any, Callable, NamedTuple

import orjson

from reconciler.emulator.store import orjson_reads_exactly

RETENTION = timedelta(hours=24)
#: Sent with a replayed answer, as real APIs commonly do.
REPLAYED_HEADER = (b"idempotent-replayed", b"true")


class Answer(NamedTuple):
    status: int
    content_type: str
    body: bytes


def key_of(scope: dict) -> str | None:
    """The request's ``Idempotency-Key``; only a POST has one (reads and GETs ignore the header)."""
    if scope["method"] != "POST":
        return None
    for name, value in scope.get("headers", []):
        if name == b"idempotency-key":
            return value.decode("latin-1") or None
    return None


def fingerprint(scope: dict, body: bytes) -> str:
    digest = hashlib.sha256(canonical_body(body)).hexdigest()
    return f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode('latin-1')} {digest}"


def canonical_body(body: bytes) -> bytes:
    """The body as sorted-key JSON, so that key order and spacing do not make the params "different"; the bytes
    themselves when orjson would not read them as ``json.loads`` does (not JSON, NaN, 19-digit integers)."""
    if orjson_reads_exactly(body):
        try:
            return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
        except orjson.JSONDecodeError:
            pass
    return body


async def read_body(receive: Any) -> tuple[bytes, Any] | None:
    """The whole request body (needed for the fingerprint before anything executes), and a ``receive`` that hands
    it to the app again; None when the client disconnected before sending it all."""
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> dict:
        return pending.pop() if pending else await receive()

    return body, replay


def capturing(send: Any, keep: Callable[[Answer], None]) -> Any:
    """A ``send`` that holds the answer until it is complete and has ``keep`` store it before sending it on: the
    answer is stored even when it never reaches the client (``lost_response``, a client gone meanwhile)."""
    held: list[dict] = []

    async def capturing_send(message: dict) -> None:
        held.append(message)
        if message["type"] != "http.response.body" or message.get("more_body"):
            return
        start, *chunks = held
        keep(Answer(start["status"], _content_type(start.get("headers", [])),
                    b"".join(chunk.get("body", b"") for chunk in chunks)))
        for held_message in held:
            await send(held_message)

    return capturing_send


def _content_type(headers: list[tuple[bytes, bytes]]) -> str:
    return next((value.decode("latin-1") for name, value in headers if name.lower() == b"content-type"), "")
