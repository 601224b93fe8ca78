"""The code ledger: every code lockbooking issued, persisted with Home Assistant's Store.

A record is keyed by the reservation's uid and the lock, which is what makes issuing
idempotent: the same uid on the same lock is the same code. Records are written before
the vendor is called (`pending`) and after it answered (`issued` / `failed`), so a
restart never forgets a code or issues one twice.

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
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import count
import shutil
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER
from .models import Window

STORAGE_VERSION = 1
STORAGE_KEY = f"{DOMAIN}.codes"
ISSUE_LEDGER_UNREADABLE = "ledger_unreadable"
ISSUE_RECORDS_UNREADABLE = "ledger_records_unreadable"
# Where Home Assistant keeps the one ledger every entry shares.
LEDGER: HassKey[CodeLedger] = HassKey(f"{DOMAIN}_ledger")


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
    # A failed call whose outcome is unknown (a timeout, say): the vendor may hold the
    # code, so it is looked for before the code is issued again.
    uncertain: bool = False
    # False for a code found at the vendor after an interrupted issue: its
    # lockbooking_code_issued event may never have been fired, so automatic mode fires it.
    announced: bool = True
    # When the lock's log first showed the code open it (ISO, UTC): the guest arrived.
    used_at: str | None = None

    @property
    def key(self) -> str:
        """The idempotency key."""
        return record_key(self.uid, self.lock_key)

    @property
    def window(self) -> Window:
        """The window the lock honours, or the one asked for before the vendor answered.

        Raises ValueError when the record holds no readable times.
        """
        return Window(
            datetime.fromisoformat(self.starts or self.requested_start),
            datetime.fromisoformat(self.ends or self.requested_end),
        )

    def requested(self, start: datetime, end: datetime) -> bool:
        """Whether this record was made for exactly this window."""
        return (self.requested_start, self.requested_end) == (
            start.isoformat(),
            end.isoformat(),
        )

    @property
    def shown_status(self) -> CodeStatus:
        """The status to show: a call whose outcome is unknown is still pending."""
        if self.status is CodeStatus.FAILED and self.uncertain:
            return CodeStatus.PENDING
        return self.status

    def as_dict(self) -> dict[str, Any]:
        """Tell what services and events say about the code on its lock, but the code."""
        return {
            "lock": self.lock_name,
            "kind": self.kind,
            "starts": self.starts,
            "ends": self.ends,
            "status": self.shown_status.value,
            "notes": list(self.notes),
        }

    def evolve(self, **changes: Any) -> CodeRecord:
        """A copy with changes and a fresh timestamp."""
        return replace(self, updated_at=dt_util.utcnow().isoformat(), **changes)


_RECORD_FIELDS = frozenset(f.name for f in fields(CodeRecord))


def _read_record(raw: Any) -> CodeRecord | None:
    """A stored record, ignoring fields a newer version added; None if unreadable."""
    if not isinstance(raw, dict):
        return None
    known = {name: value for name, value in raw.items() if name in _RECORD_FIELDS}
    try:
        record = CodeRecord(
            **{
                **known,
                "status": CodeStatus(known["status"]),
                "notes": tuple(known.get("notes") or ()),
            }
        )
    except (KeyError, TypeError, ValueError):
        return None
    texts = (record.uid, record.lock_key, record.lock_name, record.name)
    moments = (record.requested_start, record.requested_end)
    optional = (
        record.kind,
        record.code,
        record.vendor_id,
        record.starts,
        record.ends,
        record.used_at,
    )
    if not (
        all(isinstance(value, str) for value in (*texts, *moments, record.updated_at))
        and all(value is None or isinstance(value, str) for value in optional)
        and all(isinstance(note, str) for note in record.notes)
    ):
        return None
    try:
        for moment in (*moments, record.starts, record.ends, record.used_at):
            if moment is not None:
                datetime.fromisoformat(moment)
    except ValueError:
        return None
    return record


def record_key(uid: str, lock_key: str) -> str:
    """The ledger key of a uid on a lock."""
    return f"{uid}|{lock_key}"


class LedgerStore(Store[dict[str, Any]]):
    """The ledger's Store: any minor version of this major one is read as it is.

    Readers ignore fields they do not know and default the ones they miss, so a
    ledger written by a newer minor version loads unchanged. Another major version
    is not guessed at: `async_load` reports it instead.
    """

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        if old_major_version != STORAGE_VERSION:
            raise NotImplementedError(f"ledger format {old_major_version}")
        return old_data


class CodeLedger:
    """All records, in memory, saved atomically on every change."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare the store; call `async_load` before use."""
        self.hass = hass
        self._store = LedgerStore(
            hass, STORAGE_VERSION, STORAGE_KEY, atomic_writes=True
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
        # A lock per record key, held while an issue or `reconcile` works on the record:
        # a `pending` record whose lock is free was left by an interrupted issue.
        self._in_flight: dict[str, asyncio.Lock] = {}

    async def async_load(self) -> None:
        """Read the records saved by earlier runs; report what cannot be read."""
        try:
            stored = await self._store.async_load() or {}
        except (NotImplementedError, HomeAssistantError) as err:
            # Another major version: refused by our migration, or by Store itself
            # (UnsupportedStorageVersionError) before the migration runs.
            await self._async_set_aside(str(err))
            return
        raw_records = stored.get("codes", []) if isinstance(stored, dict) else None
        if not isinstance(raw_records, list):
            await self._async_set_aside("not a list of codes")
            return
        for raw in raw_records:
            if (record := _read_record(raw)) is None:
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
    def get(self, uid: str, lock_key: str) -> CodeRecord | None:
        """The record of a uid on a lock."""
        return self._records.get(record_key(uid, lock_key))

    @callback
    def records(self, uid: str | None = None) -> list[CodeRecord]:
        """Every record, or a uid's, oldest window first."""
        if uid is None:
            records: Iterable[CodeRecord] = self._records.values()
        else:
            records = (self._records[key] for key in self._keys_by_uid.get(uid, ()))
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

    async def async_rekey(self, old_uid: str, new_uid: str) -> list[CodeRecord]:
        """Move a reservation's records to the new uid its source gives the same stay.

        No vendor is involved: the codes stay as they are, only their key changes. On
        a lock where the new uid already has a record, both records stay as they are.
        """
        moved = [
            record.evolve(uid=new_uid)
            for record in self._records.values()
            if record.uid == old_uid and self.get(new_uid, record.lock_key) is None
        ]
        for record in moved:
            self._drop(record_key(old_uid, record.lock_key))
            self._set(record)
        if moved:
            await self.async_put(moved[-1])  # one save for all of them
        return moved

    async def async_prune(self, now: datetime | None = None) -> int:
        """Forget the records whose window ended over PRUNE_AFTER ago; return how many.

        Pending records stay whatever their age: only a reconciliation settles them.
        """
        cutoff = (now or dt_util.utcnow()) - PRUNE_AFTER
        old = [
            key
            for key, record in self._records.items()
            if record.status is not CodeStatus.PENDING and _ended_before(record, cutoff)
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


def _ended_before(record: CodeRecord, cutoff: datetime) -> bool:
    """Tell whether a record's window ended before `cutoff` (False if unreadable)."""
    try:
        return datetime.fromisoformat(record.ends or record.requested_end) < cutoff
    except (TypeError, ValueError):
        return False
