"""Async iterators over Metronome's list endpoints, which page in five different ways (reference §1.2).

=============================  ==================  =====================  ===================  =================
iterator                       cursor sent in      limit sent in          next cursor read     used by
=============================  ==================  =====================  ===================  =================
``query_cursor``               query ``next_page``  query ``limit``        ``next_page``        customers, products, rate cards, rates, credit types
``query_cursor_without_limit`` query ``next_page``  —                      ``next_page``        custom field keys
``body_cursor``                body ``next_page``   body ``limit``         ``next_page``        customer commits/credits
``body_cursor_field``          body ``cursor``      body ``limit``         ``cursor``           v2 contracts list
``body_cursor_next_page``      body ``cursor``      body ``limit``         ``next_page``        seats history
=============================  ==================  =====================  ===================  =================

Query-string cursors are sent in the query string even when the method is POST. Each iterator yields the items
of ``data`` and stops when the next cursor is empty. A server that hands back a cursor it already gave raises
:class:`~reconciler.errors.ApiError` before that page's items are yielded, instead of looping for ever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from reconciler.errors import ApiError


class Requester(Protocol):
    async def request(self, method: str, path: str, *, json: Any = None,
                      params: Mapping[str, Any] | None = None, write: bool = False,
                      idempotency_key: str | None = None) -> dict | None: ...

    def report_progress(self, message: str) -> None: ...


@dataclass(frozen=True)
class PageStyle:
    """Where one pagination style puts its cursor and limit, and where the answer puts the next cursor."""

    cursor_in: Literal["query", "body"]
    request_cursor: str
    response_cursor: str
    limit_in: Literal["query", "body"] | None


QUERY_CURSOR = PageStyle("query", "next_page", "next_page", "query")
QUERY_CURSOR_WITHOUT_LIMIT = PageStyle("query", "next_page", "next_page", None)
BODY_CURSOR = PageStyle("body", "next_page", "next_page", "body")
BODY_CURSOR_FIELD = PageStyle("body", "cursor", "cursor", "body")
BODY_CURSOR_NEXT_PAGE = PageStyle("body", "cursor", "next_page", "body")


async def paginate(client: Requester, method: str, path: str, style: PageStyle, *, json: Any = None,
                   params: Mapping[str, Any] | None = None, limit: int | None = None) -> AsyncIterator[dict]:
    """Yield every item of every page of ``method path`` paged in ``style``."""
    seen: set[str] = set()
    cursor: str | None = None
    items = 0
    for page in range(1, 1_000_000):
        query, body = _page_request(style, params, json, cursor, limit)
        answer = await client.request(method, path, json=body, params=query) or {}
        data, cursor = _page_items(answer, style, method, path), answer.get(style.response_cursor) or None
        _check_cursor(cursor, seen, method, path)
        for item in data:
            yield item
        items += len(data)
        if cursor is None:
            return
        client.report_progress(f"{method} {path}: {items} items read, fetching page {page + 1}")
    raise ApiError(f"{method} {path}: too many pages", path=path)


def query_cursor(client: Requester, method: str, path: str, *, json: Any = None,
                 params: Mapping[str, Any] | None = None, limit: int | None = 100) -> AsyncIterator[dict]:
    """``limit``/``next_page`` in the query string (even on POST); answer's ``next_page``."""
    return paginate(client, method, path, QUERY_CURSOR, json=json, params=params, limit=limit)


def query_cursor_without_limit(client: Requester, method: str, path: str, *, json: Any = None,
                               params: Mapping[str, Any] | None = None) -> AsyncIterator[dict]:
    """``next_page`` in the query string, no limit; answer's ``next_page``."""
    return paginate(client, method, path, QUERY_CURSOR_WITHOUT_LIMIT, json=json, params=params)


def body_cursor(client: Requester, path: str, *, json: Mapping[str, Any] | None = None,
                limit: int | None = 25) -> AsyncIterator[dict]:
    """POST with ``next_page``/``limit`` in the JSON body; answer's ``next_page``."""
    return paginate(client, "POST", path, BODY_CURSOR, json=json, limit=limit)


def body_cursor_field(client: Requester, path: str, *, json: Mapping[str, Any] | None = None,
                      limit: int | None = 20) -> AsyncIterator[dict]:
    """POST with ``cursor``/``limit`` in the JSON body; answer's ``cursor``."""
    return paginate(client, "POST", path, BODY_CURSOR_FIELD, json=json, limit=limit)


def body_cursor_next_page(client: Requester, path: str, *, json: Mapping[str, Any] | None = None,
                          limit: int | None = 10) -> AsyncIterator[dict]:
    """POST with ``cursor``/``limit`` in the JSON body; answer's ``next_page`` (seats history)."""
    return paginate(client, "POST", path, BODY_CURSOR_NEXT_PAGE, json=json, limit=limit)


async def collect(items: AsyncIterator[dict]) -> list[dict]:
    return [item async for item in items]


def _page_request(style: PageStyle, params: Mapping[str, Any] | None, json: Any, cursor: str | None,
                  limit: int | None) -> tuple[dict | None, Any]:
    paging: dict[str, Any] = {}
    if limit is not None and style.limit_in is not None:
        paging["limit"] = limit
    if cursor is not None:
        paging[style.request_cursor] = cursor
    if style.cursor_in == "query":
        query = {**(params or {}), **paging}
        return (query or None), json
    return (dict(params) if params else None), {**(json or {}), **paging}


def _page_items(answer: dict, style: PageStyle, method: str, path: str) -> list[dict]:
    data = answer.get("data", [])
    if not isinstance(data, list):
        raise ApiError(f"{method} {path}: expected a list in 'data'", path=path)
    return data


def _check_cursor(cursor: str | None, seen: set[str], method: str, path: str) -> None:
    if cursor is None:
        return
    if cursor in seen:
        raise ApiError(f"{method} {path}: the server repeated pagination cursor {cursor!r}; stopping "
                       "instead of reading the same pages again", path=path)
    seen.add(cursor)
