"""Contract endpoints: v1 create / archive / updateEndDate / seat and quantity history, v2 get / list / edit /
getEditHistory. The semantics live in :mod:`reconciler.emulator.contracts` and :mod:`reconciler.emulator.edits`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from reconciler.emulator import contracts as ops
from reconciler.emulator.edits import edit_contract
from reconciler.emulator.http import body, data, emulator, env, ok
from reconciler.emulator.requests import reads
from reconciler.emulator.requests.contracts import ContractCreate
from reconciler.emulator.requests.edits import ContractEdit
from reconciler.emulator.views import ViewContext, contract_view


def _view(request: Request, now: str) -> ViewContext:
    emu = emulator(request)
    return ViewContext(emu.store, emu.catalog, now)


async def create(request: Request) -> JSONResponse:
    given = await body(request, ContractCreate)
    return data({"id": ops.create_contract(env(request), given)})


async def get_v2(request: Request) -> JSONResponse:
    given = await body(request, reads.ContractGet)
    e = env(request)
    contract = ops.load_contract_v2(e.store, given.customer_id, given.contract_id)
    return data(contract_view(_view(request, given.as_of_date or e.now), contract))


async def list_v2(request: Request) -> JSONResponse:
    given = await body(request, reads.ContractList)
    e = env(request)
    contracts, cursor = ops.list_contracts(e, given)
    view = _view(request, e.now)
    return ok({"data": [contract_view(view, contract) for contract in contracts], "cursor": cursor})


async def edit(request: Request) -> JSONResponse:
    given = await body(request, ContractEdit)
    record = edit_contract(env(request), given)
    return data({"id": given.contract_id, "edit": record})


async def edit_history(request: Request) -> JSONResponse:
    given = await body(request, reads.ContractRef)
    return data(ops.edit_history(env(request), given))


async def archive(request: Request) -> JSONResponse:
    given = await body(request, reads.ContractArchive)
    e = env(request)
    contract = ops.load_contract_v1(e.store, given.customer_id, given.contract_id)
    ops.archive_contract(e, contract)
    return data({"id": contract["id"]})


async def update_end_date(request: Request) -> JSONResponse:
    given = await body(request, reads.ContractUpdateEndDate)
    return data({"id": ops.update_end_date(env(request), given)})


async def seats_history(request: Request) -> JSONResponse:
    given = await body(request, reads.SeatsHistory)
    segments, next_page = ops.seats_history(env(request), given)
    return ok({"data": segments, "next_page": next_page})


async def quantity_history(request: Request) -> JSONResponse:
    given = await body(request, reads.QuantityHistory)
    return data(ops.quantity_history(env(request), given))
