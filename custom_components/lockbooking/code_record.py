"""One code record: a code on one lock for one stay, as the ledger keeps it.

A record is keyed by the reservation's uid and the lock (`record_key`), which is what
makes issuing idempotent. Times are kept as ISO strings, as they are stored.
`read_record` reads a stored one back, defaulting what an older version did not write
and ignoring what a newer one added.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from homeassistant.util import dt as dt_util

from .models import Window


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
    # When the code stops working unless it has been used by then (ISO), as the vendor
    # said on issuing it; None when it works its whole window.
    use_by: str | None = None

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

    def as_dict(self) -> dict[str, Any]:
        """Tell what services and events say about the code on its lock, but the code."""
        return {
            "lock": self.lock_name,
            "kind": self.kind,
            "starts": self.starts,
            "ends": self.ends,
            "status": self.status.value,
            "notes": list(self.notes),
        }

    def evolve(self, **changes: Any) -> CodeRecord:
        """A copy with changes and a fresh timestamp."""
        return replace(self, updated_at=dt_util.utcnow().isoformat(), **changes)


_RECORD_FIELDS = frozenset(f.name for f in fields(CodeRecord))


def read_record(raw: Any) -> CodeRecord | None:
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
    times = (record.starts, record.ends, record.used_at, record.use_by)
    optional = (record.kind, record.code, record.vendor_id, *times)
    if not (
        all(isinstance(value, str) for value in (*texts, *moments, record.updated_at))
        and all(value is None or isinstance(value, str) for value in optional)
        and all(isinstance(note, str) for note in record.notes)
    ):
        return None
    try:
        for moment in (*moments, *times):
            if moment is not None:
                datetime.fromisoformat(moment)
    except ValueError:
        return None
    return record


def record_key(uid: str, lock_key: str) -> str:
    """The ledger key of a uid on a lock."""
    return f"{uid}|{lock_key}"
