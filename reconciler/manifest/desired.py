"""``Desired``: the validated manifests of one run, indexed by address, with where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.manifest.models import ContractManifest, CustomerManifest


@dataclass(frozen=True, slots=True)
class Source:
    """Where a manifest (or one of its fields) was written."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Desired:
    """Every customer and contract the manifests manage.

    ``customers`` is keyed by ``metadata.name`` (the customer's identity key), ``contracts`` by contract
    address (``contract.<customer>/<name>``). ``sources`` maps each address to the document defining it.
    """

    customers: dict[str, CustomerManifest] = field(default_factory=dict)
    contracts: dict[str, ContractManifest] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    _by_customer: dict[str, list[ContractManifest]] | None = field(default=None, repr=False, compare=False)
    _indexed: int = field(default=-1, repr=False, compare=False)

    def merge(self, fragment: Desired) -> None:
        """Add ``fragment`` (manifests loaded later); the first definition of an address wins, as in loading."""
        for key, customer in fragment.customers.items():
            self.customers.setdefault(key, customer)
        for address, contract in fragment.contracts.items():
            self.contracts.setdefault(address, contract)
        for address, source in fragment.sources.items():
            self.sources.setdefault(address, source)

    def contracts_of(self, customer: str) -> list[ContractManifest]:
        return self.by_customer().get(customer, [])

    def by_customer(self) -> dict[str, list[ContractManifest]]:
        """Contract manifests per customer key, built once (a scan per customer would be quadratic)."""
        if self._by_customer is None or self._indexed != len(self.contracts):
            index: dict[str, list[ContractManifest]] = {}
            for contract in self.contracts.values():
                index.setdefault(contract.customer_ref, []).append(contract)
            self._by_customer, self._indexed = index, len(self.contracts)
        return self._by_customer
