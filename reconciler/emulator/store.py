"""SQLite persistence: one JSON document per object, plus indexed columns for every lookup the API needs.

Lookups are by primary key or an index (customer id, ingest alias, uniqueness key, contract id), and list
endpoints page with ``seq > cursor ORDER BY seq LIMIT n``, so no request scans all customers or contracts.
Writes that belong together go through :meth:`Store.transaction`, which is how contract edits stay atomic:
everything is validated in memory first and then written in one SQLite transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credit_types (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rate_cards (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS customers_by_archived ON customers (archived, seq);
CREATE TABLE IF NOT EXISTS ingest_aliases (alias TEXT PRIMARY KEY, customer_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ingest_aliases_by_customer ON ingest_aliases (customer_id);
CREATE TABLE IF NOT EXISTS billing_provider_configurations (seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL, customer_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bpc_by_customer ON billing_provider_configurations (customer_id);
CREATE TABLE IF NOT EXISTS contracts (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    customer_id TEXT NOT NULL, uniqueness_key TEXT UNIQUE, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contracts_by_customer ON contracts (customer_id, seq);
CREATE TABLE IF NOT EXISTS edits (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    contract_id TEXT NOT NULL, uniqueness_key TEXT UNIQUE, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS edits_by_contract ON edits (contract_id, seq);
CREATE TABLE IF NOT EXISTS custom_field_keys (entity TEXT NOT NULL, key TEXT NOT NULL,
    enforce_uniqueness INTEGER NOT NULL, PRIMARY KEY (entity, key));
CREATE TABLE IF NOT EXISTS custom_field_values (entity TEXT NOT NULL, entity_id TEXT NOT NULL,
    key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (entity, entity_id, key));
CREATE INDEX IF NOT EXISTS custom_field_values_by_value ON custom_field_values (entity, key, value);
CREATE TABLE IF NOT EXISTS idempotency_keys (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_created_at ON idempotency_keys (created_at);
"""

#: Tables holding one JSON document per object, keyed by ``id``.
DOCUMENT_TABLES = ("credit_types", "products", "rate_cards", "customers", "billing_provider_configurations",
                   "contracts", "edits")


def decode(doc: str) -> Any:
    """A stored document, parsed by orjson where it reads exactly what ``json.loads`` does, which is everywhere
    but integers of 19 digits or more (beyond 64 bits orjson makes floats of them) and NaN or Infinity (which
    orjson rejects)."""
    raw = doc.encode("utf-8", "surrogatepass")  # a lone surrogate makes invalid UTF-8: orjson rejects it
    if orjson_reads_exactly(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(doc)


def orjson_reads_exactly(raw: bytes) -> bool:
    """Whether the numbers in ``raw`` read the same in orjson as in ``json.loads``: orjson makes floats of
    integers beyond 64 bits, so a run of 19 digits or more sends the text to ``json.loads``."""
    return _NINETEEN_DIGITS not in raw.translate(_DIGITS_AS_ZERO)


_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19


class Store:
    """A thread-safe SQLite connection with document helpers."""

    def __init__(self, db_path: str | Path | None = None) -> None:
        target = ":memory:" if db_path is None else str(db_path)
        if db_path is not None:
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        self.conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL" if db_path is not None else "PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All writes inside commit together or not at all; nested use joins the outer transaction."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self.conn.execute("COMMIT")

    # -- generic helpers -------------------------------------------------------------------------------

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row | tuple]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with self._lock:
            self.conn.execute(sql, params)

    def get(self, table: str, object_id: str) -> dict[str, Any] | None:
        rows = self.query(f"SELECT doc FROM {table} WHERE id = ?", (object_id,))
        return decode(rows[0][0]) if rows else None

    def insert(self, table: str, doc: dict[str, Any], **columns: Any) -> None:
        names = ["id", "doc", *columns]
        values = (doc["id"], json.dumps(doc), *columns.values())
        self.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                     values)

    def update(self, table: str, doc: dict[str, Any], **columns: Any) -> None:
        sets = ", ".join(f"{name} = ?" for name in ["doc", *columns])
        self.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (json.dumps(doc), *columns.values(), doc["id"]))

    def page(self, table: str, *, after_seq: int, limit: int, where: str = "1=1",
             params: tuple[Any, ...] = ()) -> tuple[list[dict[str, Any]], int | None]:
        """Up to ``limit`` documents after ``after_seq`` in insertion order, and the seq to continue from."""
        rows = self.query(f"SELECT seq, doc FROM {table} WHERE seq > ? AND ({where}) ORDER BY seq LIMIT ?",
                          (after_seq, *params, limit + 1))
        docs = [decode(doc) for _, doc in rows[:limit]]
        next_seq = rows[limit - 1][0] if len(rows) > limit else None
        return docs, next_seq

    def docs(self, table: str, where: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        rows = self.query(f"SELECT doc FROM {table} WHERE {where} ORDER BY seq", params)
        return [decode(doc) for (doc,) in rows]

    def meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- ingest aliases ---------------------------------------------------------------------------------

    def alias_owner(self, alias: str) -> str | None:
        rows = self.query("SELECT customer_id FROM ingest_aliases WHERE alias = ?", (alias,))
        return rows[0][0] if rows else None

    def set_aliases(self, customer_id: str, aliases: list[str]) -> None:
        self.execute("DELETE FROM ingest_aliases WHERE customer_id = ?", (customer_id,))
        for alias in aliases:
            self.execute("INSERT INTO ingest_aliases (alias, customer_id) VALUES (?, ?)", (alias, customer_id))

    # -- uniqueness keys --------------------------------------------------------------------------------

    def contract_key_used(self, key: str) -> bool:
        return bool(self.query("SELECT 1 FROM contracts WHERE uniqueness_key = ?", (key,)))

    def edit_key_used(self, key: str) -> bool:
        return bool(self.query("SELECT 1 FROM edits WHERE uniqueness_key = ?", (key,)))

    # -- idempotency keys -------------------------------------------------------------------------------

    def idempotent_answer(self, key: str, since: str) -> tuple[str, int, str, bytes] | None:
        """(fingerprint, status, content type, body) stored for ``key`` at ``since`` or later."""
        rows = self.query("SELECT fingerprint, status, content_type, body FROM idempotency_keys "
                          "WHERE key = ? AND created_at >= ?", (key, since))
        return tuple(rows[0]) if rows else None

    def keep_idempotent_answer(self, key: str, fingerprint: str, answer: tuple[int, str, bytes], *, at: str,
                               prune_before: str) -> None:
        """Drop the answers stored before ``prune_before`` (an expired one for ``key`` among them) and store this
        one for ``key``, unless an answer is there already: another emulator on the same database, sent the same
        key at the same moment, stored it first (the first answer is the one replayed)."""
        with self.transaction():
            self.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (prune_before,))
            self.execute("INSERT OR IGNORE INTO idempotency_keys (key, fingerprint, status, content_type, body, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?)", (key, fingerprint, *answer, at))

    # -- custom fields ----------------------------------------------------------------------------------

    def custom_field_key(self, entity: str, key: str) -> bool | None:
        """``enforce_uniqueness`` of a registered key, or None when the key is not registered."""
        rows = self.query("SELECT enforce_uniqueness FROM custom_field_keys WHERE entity = ? AND key = ?",
                          (entity, key))
        return bool(rows[0][0]) if rows else None

    def custom_field_keys(self, entities: list[str] | None) -> list[dict[str, Any]]:
        rows = self.query("SELECT entity, key, enforce_uniqueness FROM custom_field_keys ORDER BY entity, key")
        return [{"entity": e, "key": k, "enforce_uniqueness": bool(u)} for e, k, u in rows
                if entities is None or e in entities]

    def add_custom_field_key(self, entity: str, key: str, enforce_uniqueness: bool) -> None:
        self.execute("INSERT OR REPLACE INTO custom_field_keys (entity, key, enforce_uniqueness) VALUES (?, ?, ?)",
                     (entity, key, int(enforce_uniqueness)))

    def remove_custom_field_key(self, entity: str, key: str) -> None:
        self.execute("DELETE FROM custom_field_keys WHERE entity = ? AND key = ?", (entity, key))
        self.execute("DELETE FROM custom_field_values WHERE entity = ? AND key = ?", (entity, key))

    def custom_field_holder(self, entity: str, key: str, value: str) -> str | None:
        rows = self.query("SELECT entity_id FROM custom_field_values WHERE entity = ? AND key = ? AND value = ?",
                          (entity, key, value))
        return rows[0][0] if rows else None

    def custom_fields(self, entity: str, entity_id: str) -> dict[str, str]:
        rows = self.query("SELECT key, value FROM custom_field_values WHERE entity = ? AND entity_id = ? "
                          "ORDER BY key", (entity, entity_id))
        return dict(rows)

    def set_custom_field(self, entity: str, entity_id: str, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO custom_field_values (entity, entity_id, key, value) "
                     "VALUES (?, ?, ?, ?)", (entity, entity_id, key, value))

    def delete_custom_field(self, entity: str, entity_id: str, key: str) -> None:
        self.execute("DELETE FROM custom_field_values WHERE entity = ? AND entity_id = ? AND key = ?",
                     (entity, entity_id, key))

    def count(self, table: str) -> int:
        return self.query(f"SELECT COUNT(*) FROM {table}")[0][0]
