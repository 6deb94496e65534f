"""Catalog reads: credit types, products, rate cards and their rates (reference §7.1-7.3).

The three list endpoints page with ``limit``/``next_page`` in the query string, even on POST (reference §1.2).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from reconciler.emulator.contracts import decode_cursor, encode_cursor
from reconciler.emulator.errors import not_found_v1
from reconciler.emulator.http import body, data, emulator, query_limit
from reconciler.emulator.requests import catalog as req
from reconciler.emulator.views import product_view, rate_card_view, rate_view


def _page(request: Request, items: list) -> JSONResponse:
    limit = query_limit(request, default=100, maximum=100)
    offset = decode_cursor(request.query_params.get("next_page"), "next_page")
    more = offset + limit < len(items)
    return data(items[offset:offset + limit], next_page=encode_cursor(offset + limit) if more else None)


async def list_credit_types(request: Request) -> JSONResponse:
    catalog = emulator(request).catalog
    return _page(request, [{"id": ct["id"], "name": ct["name"], "is_currency": bool(ct.get("is_currency"))}
                           for ct in catalog.credit_types.values()])


async def list_products(request: Request) -> JSONResponse:
    given = await body(request, req.ProductList)
    emu = emulator(request)
    wanted = given.archive_filter or "NOT_ARCHIVED"
    products = [p for p in emu.catalog.products.values()
                if wanted == "ALL" or bool(p.get("archived_at")) == (wanted == "ARCHIVED")]
    return _page(request, [product_view(p, emu.store.custom_fields("product", p["id"])) for p in products])


async def get_product(request: Request) -> JSONResponse:
    given = await body(request, req.ProductGet)
    emu = emulator(request)
    product = emu.catalog.products.get(given.id)
    if product is None:
        raise not_found_v1(f"Product {given.id} not found")
    return data(product_view(product, emu.store.custom_fields("product", product["id"])))


async def list_rate_cards(request: Request) -> JSONResponse:
    await body(request, req.RateCardList)
    emu = emulator(request)
    return _page(request, [rate_card_view(card, emu.catalog, emu.store.custom_fields("rate_card", card["id"]))
                           for card in emu.catalog.rate_cards.values()])


async def get_rate_card(request: Request) -> JSONResponse:
    given = await body(request, req.RateCardGet)
    emu = emulator(request)
    card = emu.catalog.rate_cards.get(given.id)
    if card is None:
        raise not_found_v1(f"Rate card {given.id} not found")
    return data(rate_card_view(card, emu.catalog, emu.store.custom_fields("rate_card", card["id"])))


async def get_rates(request: Request) -> JSONResponse:
    """Rates in force at ``at``, optionally narrowed by selectors (product, tags, billing frequency)."""
    given = await body(request, req.RateCardGetRates)
    emu = emulator(request)
    card = emu.catalog.rate_cards.get(given.rate_card_id)
    if card is None:
        raise not_found_v1(f"Rate card {given.rate_card_id} not found")
    rates = [rate for rate in card.get("rates", [])
             if rate["starting_at"] <= given.at and (rate.get("ending_before") is None or given.at < rate["ending_before"])
             and _selected(rate, given.selectors, emu.catalog)]
    return _page(request, [rate_view(rate, emu.catalog) for rate in rates])


def _selected(rate: dict, selectors: list | None, catalog) -> bool:
    if not selectors:
        return True
    tags = set(catalog.products.get(rate["product_id"], {}).get("tags", []))
    for selector in selectors:
        if selector.product_id is not None and selector.product_id != rate["product_id"]:
            continue
        if selector.billing_frequency is not None and selector.billing_frequency != rate.get("billing_frequency"):
            continue
        if selector.product_tags and not set(selector.product_tags) <= tags:
            continue
        return True
    return False
