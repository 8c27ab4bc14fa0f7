"""A provider's own database: one SQLite file, one table of records kept as the JSON they are served as.

The body is stored already serialised: a lookup answers with the stored bytes and an extract page
joins them, so nothing is decoded and encoded again on the hot path. `seq` (the rowid) gives the
extract its stable order and its cursor; `id_number` has its own index for lookups.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

CHUNK = 20_000


@dataclass(frozen=True)
class SeedResult:
    records: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else float("inf")


def seed(path: Path, records: Iterable[dict]) -> SeedResult:
    """Write a fresh database at `path` holding `records` (replacing any there, atomically)."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    building.unlink(missing_ok=True)
    db = sqlite3.connect(building)
    # A file being built is thrown away on any failure: no journal or fsync is worth paying for.
    db.executescript(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
        "CREATE TABLE records (seq INTEGER PRIMARY KEY, id_number TEXT, body TEXT NOT NULL);"
    )
    it = iter(records)
    count = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    while chunk := [(r.get("id_number"), dumps(r)) for r in islice(it, CHUNK)]:
        db.executemany("INSERT INTO records (id_number, body) VALUES (?, ?)", chunk)
        count += len(chunk)
    # Built after loading, which is several times faster than keeping it up to date row by row.
    db.execute("CREATE UNIQUE INDEX records_id_number ON records (id_number)")
    db.commit()
    db.close()
    os.replace(building, path)
    return SeedResult(count, time.perf_counter() - started)


class Store:
    """Read-only access for one server thread (SQLite connections are not shared between threads)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise FileNotFoundError(f"No provider database at {path} (run `seed` first)")
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def record(self, id_number: str) -> str | None:
        row = self.db.execute("SELECT body FROM records WHERE id_number = ?", (id_number,)).fetchone()
        return row[0] if row else None

    def page(self, after: int, limit: int) -> tuple[list[str], int | None]:
        """Up to `limit` bodies after the cursor, and the cursor of the next page (None at the end)."""
        rows = self.db.execute(
            "SELECT seq, body FROM records WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
        ).fetchall()
        following = rows[-1][0] if len(rows) == limit else None
        return [body for _, body in rows], following

    def close(self) -> None:
        self.db.close()
