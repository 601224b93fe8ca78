"""One code record: a code on one lock for one stay, as the ledger keeps it.

A record is keyed by the reservations entry it serves (its scope, "" for a code of
no entry's), the reservation's uid and the lock (`record_key`), which is what makes
issuing idempotent and keeps two entries' codes apart. Times are kept as ISO strings, as they are stored.
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


class Decider(StrEnum):
    """Who decided a code's last change: automatic mode, or the host through a service."""

    AUTOMATIC = "automatic"
    HOST = "host"


class CodeStatus(StrEnum):
    """Where a code is in its life."""

    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"
    REVOKED = "revoked"
    # Shown only, never stored: an issued code a slot lock gets when its window opens.
    SCHEDULED = "scheduled"


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
    # The reservations entry whose stay the code serves; "" for a code of no entry's.
    scope: str = ""
    # Automatic mode never undoes what the host decided (reservations/host_word.py).
    decided_by: Decider = Decider.AUTOMATIC
    # The stay's own check-in and check-out when the code was decided (ISO): a host's
    # revoke stands until the stay's dates change.
    stay_start: str | None = None
    stay_end: str | None = None
    # The code a new window replaces, live at the vendor until it is revoked: a new
    # code is made before the old one is broken (superseded.py).
    superseded: SupersededCode | None = None
    # On a lock whose codes lockbooking writes when their window opens (Lock.slots):
    # the managed slot kept for the code's window, and the slot and digits on the lock
    # now (None: nothing of this record's is on the lock).
    slot: int | None = None
    on_lock_slot: int | None = None
    on_lock_code: str | None = None
    # A slot still holding this record's code from before it moved to another slot.
    stale_slot: int | None = None

    @property
    def key(self) -> str:
        """The idempotency key."""
        return record_key(self.uid, self.lock_key, self.scope)

    @property
    def live(self) -> bool:
        """Tell whether the vendor may hold a code of this record's that works.

        A call whose outcome is unknown counts: the vendor may have made the code.
        """
        return (
            self.status in (CodeStatus.ISSUED, CodeStatus.PENDING)
            or (self.status is CodeStatus.FAILED and self.uncertain)
            or self.superseded is not None
            or self.on_lock_slot is not None
            or self.stale_slot is not None
        )

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
        """Tell the status to show: a call whose outcome is unknown is still pending."""
        if self.status is CodeStatus.FAILED and self.uncertain:
            return CodeStatus.PENDING
        if (
            self.slot is not None
            and self.status is CodeStatus.ISSUED
            and self.on_lock_slot is None
        ):
            # A slot lock's code that is not on the lock (activation.py).
            if self.error is not None:
                return CodeStatus.FAILED
            if dt_util.utcnow() < self.window.end:
                return CodeStatus.SCHEDULED
        return self.status

    def as_dict(self) -> dict[str, Any]:
        """Tell what services and events say about the code on its lock, but the code."""
        return {
            "lock": self.lock_name,
            "kind": self.kind,
            "starts": self.starts,
            "ends": self.ends,
            "status": self.shown_status.value,
            "decided_by": self.decided_by.value,
            "notes": list(self.notes),
            # The managed slot of a lock in Home Assistant that the code goes into.
            **({"slot": self.slot} if self.slot is not None else {}),
        }

    def evolve(self, **changes: Any) -> CodeRecord:
        """Copy the record with changes and a fresh timestamp."""
        return replace(self, updated_at=dt_util.utcnow().isoformat(), **changes)


@dataclass(frozen=True, slots=True)
class SupersededCode:
    """A code replaced by a record's newer window, kept until the vendor revoked it."""

    kind: str | None
    code: str | None
    vendor_id: str | None
    starts: str | None
    ends: str | None
    revocable: bool = True

    @classmethod
    def of(cls, record: CodeRecord) -> SupersededCode:
        """Describe the code a record holds now."""
        return cls(
            record.kind,
            record.code,
            record.vendor_id,
            record.starts,
            record.ends,
            record.revocable,
        )


_RECORD_FIELDS = frozenset(f.name for f in fields(CodeRecord))
_SUPERSEDED_FIELDS = frozenset(f.name for f in fields(SupersededCode))


def _read_superseded(raw: Any) -> SupersededCode | None:
    """Read a stored superseded code; raise ValueError when it is not one."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("superseded")
    known = {name: value for name, value in raw.items() if name in _SUPERSEDED_FIELDS}
    try:
        superseded = SupersededCode(**known)
    except TypeError as err:
        raise ValueError("superseded") from err
    optional = (
        superseded.kind,
        superseded.code,
        superseded.vendor_id,
        superseded.starts,
        superseded.ends,
    )
    if not all(value is None or isinstance(value, str) for value in optional):
        raise ValueError("superseded")
    return superseded


def read_record(raw: Any) -> CodeRecord | None:
    """Read a stored record, ignoring fields a newer version added; None if unreadable."""
    if not isinstance(raw, dict):
        return None
    known = {name: value for name, value in raw.items() if name in _RECORD_FIELDS}
    try:
        record = CodeRecord(
            **{
                **known,
                "status": CodeStatus(known["status"]),
                "notes": tuple(known.get("notes") or ()),
                "decided_by": Decider(known.get("decided_by", Decider.AUTOMATIC)),
                "superseded": _read_superseded(known.get("superseded")),
            }
        )
    except (KeyError, TypeError, ValueError):
        return None
    texts = (record.uid, record.lock_key, record.lock_name, record.name, record.scope)
    moments = (record.requested_start, record.requested_end)
    times = (
        record.starts,
        record.ends,
        record.used_at,
        record.use_by,
        record.stay_start,
        record.stay_end,
    )
    optional = (record.kind, record.code, record.vendor_id, *times)
    slots = (record.slot, record.on_lock_slot, record.stale_slot)
    if not (
        all(isinstance(value, str) for value in (*texts, *moments, record.updated_at))
        and all(value is None or (type(value) is int and value > 0) for value in slots)
        and (record.on_lock_code is None or isinstance(record.on_lock_code, str))
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


def record_key(uid: str, lock_key: str, scope: str = "") -> str:
    """Make the ledger key of a uid on a lock, within a reservations entry's scope."""
    return f"{scope}|{uid}|{lock_key}" if scope else f"{uid}|{lock_key}"
