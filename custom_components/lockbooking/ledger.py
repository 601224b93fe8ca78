"""The code ledger: every code lockbooking issued, persisted with Home Assistant's Store.

A record is keyed by the reservation's uid and the lock, which is what makes issuing
idempotent: the same uid on the same lock is the same code. Records are written before
the vendor is called (`pending`) and after it answered (`issued` / `failed`), so a
restart never forgets a code or issues one twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER

STORAGE_VERSION = 1
STORAGE_KEY = f"{DOMAIN}.codes"


class CodeStatus(StrEnum):
    """Where a code is in its life."""

    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """One code on one lock for one reservation (or one manual request)."""

    uid: str
    lock_key: str
    lock_name: str
    name: str
    requested_start: str
    requested_end: str
    status: CodeStatus
    kind: str | None = None
    code: str | None = None
    vendor_id: str | None = None
    starts: str | None = None
    ends: str | None = None
    revocable: bool = True
    notes: tuple[str, ...] = ()
    error: str | None = None
    updated_at: str = field(default_factory=lambda: dt_util.utcnow().isoformat())

    @property
    def key(self) -> str:
        """The idempotency key."""
        return record_key(self.uid, self.lock_key)

    def requested(self, start: datetime, end: datetime) -> bool:
        """Whether this record was made for exactly this window."""
        return (self.requested_start, self.requested_end) == (
            start.isoformat(),
            end.isoformat(),
        )

    def as_dict(self) -> dict[str, Any]:
        """What services and events tell about the code on its lock."""
        return {
            "lock": self.lock_name,
            "code": self.code,
            "kind": self.kind,
            "starts": self.starts,
            "ends": self.ends,
            "status": self.status.value,
            "notes": list(self.notes),
        }

    def evolve(self, **changes: Any) -> CodeRecord:
        """A copy with changes and a fresh timestamp."""
        return replace(self, updated_at=dt_util.utcnow().isoformat(), **changes)


def record_key(uid: str, lock_key: str) -> str:
    """The ledger key of a uid on a lock."""
    return f"{uid}|{lock_key}"


class CodeLedger:
    """All records, in memory, saved atomically on every change."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare the store; call `async_load` before use."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, STORAGE_KEY, atomic_writes=True
        )
        self._records: dict[str, CodeRecord] = {}

    async def async_load(self) -> None:
        """Read the records saved by earlier runs."""
        stored = await self._store.async_load() or {}
        for raw in stored.get("codes", []):
            try:
                record = CodeRecord(
                    **{**raw, "status": CodeStatus(raw["status"]), "notes": tuple(raw.get("notes", ()))}
                )
            except (KeyError, TypeError, ValueError):
                LOGGER.warning("Skipping an unreadable code record for lock %s", raw.get("lock_key"))
                continue
            self._records[record.key] = record

    @callback
    def get(self, uid: str, lock_key: str) -> CodeRecord | None:
        """The record of a uid on a lock."""
        return self._records.get(record_key(uid, lock_key))

    @callback
    def records(self) -> list[CodeRecord]:
        """Every record, oldest window first."""
        return sorted(self._records.values(), key=lambda r: (r.requested_start, r.lock_key))

    async def async_put(self, record: CodeRecord) -> CodeRecord:
        """Add or replace a record and save at once."""
        self._records[record.key] = record
        await self._store.async_save({"codes": [asdict(r) for r in self._records.values()]})
        return record
