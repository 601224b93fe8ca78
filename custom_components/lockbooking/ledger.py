"""The code ledger: every code lockbooking issued, persisted with Home Assistant's Store.

A record (`code_record`) is keyed by its reservations entry, the reservation's uid and
the lock, which is what makes issuing idempotent: the same uid on the same lock is the
same code. Records are
written before the vendor is called (`pending`) and after it answered (`issued` /
`failed`), so a restart never forgets a code or issues one twice.

Nothing stored is dropped silently: a record this version cannot read is kept as it was
and written back, and a store it cannot read at all (written by a newer major version,
or not shaped like a ledger) is copied aside and reported as a repair issue. A corrupt
JSON file is moved aside and reported by Home Assistant's `Store` itself.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from itertools import count
import shutil
import time
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .code_record import (
    CodeRecord,
    CodeStatus,
    read_record,
    record_key,
)
from .const import CONF_KIND, DOMAIN, LOGGER, EntryKind
from .vendors.code_rules import use_by

STORAGE_VERSION = 1
# 2: a record says when its code dies unless used first (`use_by`).
STORAGE_MINOR_VERSION = 2
STORAGE_KEY = f"{DOMAIN}.codes"
ISSUE_LEDGER_UNREADABLE = "ledger_unreadable"
ISSUE_RECORDS_UNREADABLE = "ledger_records_unreadable"
# Where Home Assistant keeps the one ledger every entry shares.
LEDGER: HassKey[CodeLedger] = HassKey(f"{DOMAIN}_ledger")


class LedgerStore(Store[dict[str, Any]]):
    """The ledger's Store: any minor version of this major one is read.

    Readers ignore fields they do not know and default the ones they miss, so a
    ledger written by a newer minor version loads unchanged; one written by an older
    one gets what its records lacked. Another major version is not guessed at:
    `async_load` reports it instead.
    """

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        if old_major_version != STORAGE_VERSION:
            raise NotImplementedError(f"ledger format {old_major_version}")
        if old_minor_version < 2:
            _add_use_by(old_data)
        return old_data


def _add_use_by(stored: Any) -> None:
    """Give the records stored before `use_by` existed their kind's deadline.

    Vendors publish how long each kind of code lasts unused (`vendors.code_rules`);
    a record this version cannot read is left exactly as it was.
    """
    codes = stored.get("codes") if isinstance(stored, dict) else None
    for raw in codes if isinstance(codes, list) else ():
        if (record := read_record(raw)) is None or "use_by" in raw:
            continue
        if (deadline := use_by(record.kind, record.window.start)) is not None:
            raw["use_by"] = deadline.isoformat()


class CodeLedger:
    """All records, in memory, saved atomically on every change."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare the store; call `async_load` before use."""
        self.hass = hass
        self._store = LedgerStore(
            hass,
            STORAGE_VERSION,
            STORAGE_KEY,
            atomic_writes=True,
            minor_version=STORAGE_MINOR_VERSION,
        )
        self._records: dict[str, CodeRecord] = {}
        # The keys of each uid's records: a calendar describes every stay by its codes.
        self._keys_by_uid: defaultdict[str, set[str]] = defaultdict(set)
        # Each record as stored, made once per change: a save in the event loop then
        # only lists them, however large the ledger.
        self._rows: dict[str, dict[str, Any]] = {}
        # A number per uid that changes with any of its records: what the calendar
        # checks before it reuses the event it made for a stay.
        self._versions: dict[str, int] = {}
        self._next_version = count(1)
        # Records this version could not read, kept verbatim so a save never drops them.
        self._unreadable: list[Any] = []
        self._saving = True
        # True when no ledger could be read although entries existed: the vendors may
        # hold codes it no longer knows, so each new code is looked for first.
        self.recovering = False
        self._loaded = (dt_util.utcnow(), time.monotonic())
        # A lock per record key, held while an issue or `reconcile` works on the record:
        # a `pending` record whose lock is free was left by an interrupted issue.
        self._in_flight: dict[str, asyncio.Lock] = {}

    async def async_load(self) -> None:
        """Read the records saved by earlier runs; report what cannot be read."""
        try:
            stored = await self._store.async_load()
        except (NotImplementedError, HomeAssistantError) as err:
            # Another major version: refused by our migration, or by Store itself
            # (UnsupportedStorageVersionError) before the migration runs.
            self.recovering = True
            await self._async_set_aside(str(err))
            return
        if not stored or (isinstance(stored, dict) and not stored.get("codes")):
            # None saved yet, or lost (a restored backup without it, a deleted file).
            self.recovering = any(
                entry.data.get(CONF_KIND) == EntryKind.RESERVATIONS
                for entry in self.hass.config_entries.async_entries(DOMAIN)
            )
            stored = stored or {}
        raw_records = stored.get("codes", []) if isinstance(stored, dict) else None
        if not isinstance(raw_records, list):
            self.recovering = True
            await self._async_set_aside("not a list of codes")
            return
        for raw in raw_records:
            if (record := read_record(raw)) is None:
                self._unreadable.append(raw)
                continue
            self._set(record)
        if isinstance(unreadable := stored.get("unreadable"), list):
            self._unreadable.extend(unreadable)
        if self._unreadable:
            LOGGER.warning(
                "%s code ledger records could not be read; they are kept unchanged",
                len(self._unreadable),
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_RECORDS_UNREADABLE,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_RECORDS_UNREADABLE,
                translation_placeholders={
                    "count": str(len(self._unreadable)),
                    "path": self._store.path,
                },
            )

    async def _async_set_aside(self, reason: str) -> None:
        """Copy an unreadable ledger file aside and report it; start with an empty ledger."""
        backup = f"{self._store.path}.unreadable.{dt_util.utcnow():%Y%m%dT%H%M%S}"
        try:
            await self.hass.async_add_executor_job(
                shutil.copyfile, self._store.path, backup
            )
        except FileNotFoundError:
            backup = "-"
        except OSError as err:
            # Without a copy, saving would overwrite the only one: keep codes in memory.
            self._saving = False
            backup = f"- ({err.strerror}; the ledger is not saved until this is fixed)"
        LOGGER.error(
            "The code ledger %s cannot be read (%s); it was copied to %s and "
            "lockbooking starts with an empty ledger",
            self._store.path,
            reason,
            backup,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_LEDGER_UNREADABLE,
            is_fixable=False,
            is_persistent=True,
            severity=ir.IssueSeverity.CRITICAL,
            translation_key=ISSUE_LEDGER_UNREADABLE,
            translation_placeholders={
                "path": self._store.path,
                "backup": backup,
                "reason": reason,
            },
        )

    @asynccontextmanager
    async def working_on(self, key: str) -> AsyncIterator[None]:
        """Hold a record while an issue or a reconciliation works on it (waiting if busy)."""
        async with self._in_flight.setdefault(key, asyncio.Lock()):
            yield

    @callback
    def busy(self, key: str) -> bool:
        """Tell whether an issue or a reconciliation is working on the record now."""
        return (lock := self._in_flight.get(key)) is not None and lock.locked()

    @callback
    def holds_lock_for(self, key: str) -> bool:
        """Tell whether the ledger keeps a working-on lock for the record (busy or not)."""
        return key in self._in_flight

    @callback
    def get(
        self, uid: str, lock_key: str, scope: str | None = None
    ) -> CodeRecord | None:
        """Look up the record of a uid on a lock, in a reservations entry's scope.

        Without a scope, the uid's record on the lock in whichever scope holds one
        (for a look at the ledger: code that acts on a record names its scope).
        """
        if scope is not None:
            return self._records.get(record_key(uid, lock_key, scope))
        return next(
            (record for record in self.records(uid) if record.lock_key == lock_key),
            None,
        )

    @callback
    def records(
        self, uid: str | None = None, scope: str | None = None
    ) -> list[CodeRecord]:
        """Every record, or a uid's, or a scope's, oldest window first."""
        if uid is None:
            records: Iterable[CodeRecord] = self._records.values()
        else:
            records = (self._records[key] for key in self._keys_by_uid.get(uid, ()))
        if scope is not None:
            records = (record for record in records if record.scope == scope)
        return sorted(records, key=lambda r: (r.requested_start, r.lock_key))

    @callback
    def version(self, uid: str) -> int:
        """Tell a number that changes whenever one of the uid's records does (0: none)."""
        return self._versions.get(uid, 0)

    def _set(self, record: CodeRecord) -> None:
        self._records[record.key] = record
        self._rows[record.key] = asdict(record)
        self._keys_by_uid[record.uid].add(record.key)
        self._versions[record.uid] = next(self._next_version)

    def _drop(self, key: str) -> None:
        uid = self._records.pop(key).uid
        del self._rows[key]
        keys = self._keys_by_uid[uid]
        keys.discard(key)
        if keys:
            self._versions[uid] = next(self._next_version)
        else:
            del self._keys_by_uid[uid], self._versions[uid]

    async def async_put(self, record: CodeRecord) -> CodeRecord:
        """Add or replace a record and save at once."""
        self._set(record)
        if self._saving:
            await self._store.async_save(self._stored())
        return record

    def _stored(self) -> dict[str, Any]:
        stored: dict[str, Any] = {"codes": list(self._rows.values())}
        if self._unreadable:
            stored["unreadable"] = self._unreadable
        return stored

    async def async_rekey(
        self, old_uid: str, new_uid: str, scope: str = ""
    ) -> list[CodeRecord]:
        """Move a reservation's records to the new uid its source gives the same stay.

        No vendor is involved: the codes stay as they are, only their key changes. On
        a lock where the new uid already has a record, both records stay as they are.
        """
        moved = [
            record.evolve(uid=new_uid)
            for record in self.records(old_uid, scope)
            if self.get(new_uid, record.lock_key, scope) is None
        ]
        for record in moved:
            self._drop(record_key(old_uid, record.lock_key, scope))
            self._set(record)
        if moved:
            await self.async_put(moved[-1])  # one save for all of them
        return moved

    async def async_move(self, record: CodeRecord, **changes: Any) -> CodeRecord:
        """Change a record's key fields (its scope, say), keeping its code."""
        self._drop(record.key)
        return await self.async_put(record.evolve(**changes))

    def _wall_clock(self) -> datetime:
        """Tell the time, not trusting a wall clock that ran ahead of the monotonic one.

        A clock that jumps forward (a wrong time server, a dead RTC battery) would
        make every live record look long over; what the monotonic clock counted since
        the ledger loaded bounds it.
        """
        loaded_at, loaded_tick = self._loaded
        counted = timedelta(seconds=time.monotonic() - loaded_tick)
        return min(dt_util.utcnow(), loaded_at + counted + CLOCK_SLACK)

    async def async_prune(self, now: datetime | None = None) -> int:
        """Forget the records whose window ended over PRUNE_AFTER ago; return how many.

        Pending records stay whatever their age: only a reconciliation settles them.
        """
        cutoff = (now or self._wall_clock()) - PRUNE_AFTER
        old = [
            key
            for key, record in self._records.items()
            if record.status is not CodeStatus.PENDING
            # A code still on a slot lock stays until it is cleared.
            and record.on_lock_slot is None
            and record.stale_slot is None
            and _ended_before(record, cutoff)
        ]
        for key in old:
            self._drop(key)
            if (lock := self._in_flight.get(key)) is not None and not lock.locked():
                del self._in_flight[key]
        if old:
            LOGGER.debug(
                "Pruned %d code records that ended before %s", len(old), cutoff
            )
            if self._saving:
                await self._store.async_save(self._stored())
        return len(old)


# How long a record outlives its window: long enough to look a stay's code up afterwards.
PRUNE_AFTER = timedelta(days=30)
# How far the wall clock may run ahead of the monotonic one before it is not believed.
CLOCK_SLACK = timedelta(minutes=5)


def _ended_before(record: CodeRecord, cutoff: datetime) -> bool:
    """Tell whether a record's window ended before `cutoff` (False if unreadable)."""
    try:
        return datetime.fromisoformat(record.ends or record.requested_end) < cutoff
    except (TypeError, ValueError):
        return False
