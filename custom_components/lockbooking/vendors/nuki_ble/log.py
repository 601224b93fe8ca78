"""Payloads of the Nuki Bluetooth API's activity log (commands 0x0031-0x0033).

Request Log Entries (start index, count, sort order, total count flag, nonce, security
PIN) is answered by Log Entry Count when asked for, then one Log Entry per entry, then
(as pyNukiBT waits for) a Status. The layouts are pyNukiBT's (0.0.20) structures, which
follow section 5 of Nuki's public Smart Lock API: a Log Entry holds its index,
timestamp, authorization id and name, its type and the type's data; a keypad action's
data is the lock action, the source, the completion status and the id of the keypad
code typed. The API names the source byte without its values; 0 arrow key, 1 code,
2 fingerprint are those the Nuki ESP32 libraries read.

Timestamps are read as UTC, as the keypad codes' dates are (unverified: the API's
DateTime carries no zone; the lock keeps its clock in UTC and its zone apart, as an
offset in the keyturner states).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from construct import ConstructError
from pyNukiBT.const import NukiLockConst

from .keypad import pin_bytes
from .protocol import NukiProtocolError

SORT_DESCENDING: Final = 0x01
TYPE_KEYPAD_ACTION: Final = 0x05
SOURCE_CODE: Final = 0x01
COMPLETION_SUCCESS: Final = 0x00
# Unlock, unlatch, lock 'n' go with unlatch: the actions that let someone in.
OPENING_ACTIONS: Final = frozenset({0x01, 0x03, 0x05})


@dataclass(frozen=True, slots=True)
class LogCount:
    """Log Entry Count: whether the lock logs, how many entries the request finds."""

    enabled: bool
    total: int


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One entry of the lock's log; the keypad fields are None for other types."""

    index: int
    at: datetime | None
    type: int
    action: int | None = None
    source: int | None = None
    completion: int | None = None
    code_id: int | None = None


def request_entries(start: int, count: int, nonce: bytes, pin: int) -> bytes:
    """Request Log Entries: `count` entries older than index `start` (0: the newest)."""
    body: bytes = NukiLockConst.RequestLogEntries.build(
        {
            "start_index": start,
            "count": count,
            "sort_order": SORT_DESCENDING,
            "total_count": 1,
            "nonce": nonce,
            "security_pin": 0,
        }
    )
    # pyNukiBT's structure has the PIN as uint16; written here to range-check it.
    return body[:-2] + pin_bytes(pin)


def read_count(payload: bytes) -> LogCount:
    """Read a Log Entry Count answer."""
    try:
        parsed = NukiLockConst.LogEntryCount.parse(payload)
    except ConstructError as err:
        raise NukiProtocolError("log entry count too short") from err
    return LogCount(enabled=bool(parsed.logging_enabled), total=int(parsed.count))


def read_entry(payload: bytes) -> LogEntry:
    """Read a Log Entry answer."""
    try:
        parsed = NukiLockConst.LogEntry.parse(payload)
    except ConstructError as err:
        raise NukiProtocolError("log entry too short") from err
    at = parsed.timestamp
    entry = LogEntry(
        index=int(parsed.index),
        at=at.replace(tzinfo=UTC) if at is not None else None,
        type=int(parsed.type),
    )
    if entry.type != TYPE_KEYPAD_ACTION or parsed.data is None:
        return entry
    data = parsed.data
    return LogEntry(
        index=entry.index,
        at=entry.at,
        type=entry.type,
        action=int(data.lock_action),
        source=int(data.source),
        completion=int(data.completion_status),
        code_id=int(data.code_id),
    )


def opened_with_code(entry: LogEntry) -> bool:
    """Tell whether the entry is a keypad code that opened the lock.

    Only keypad actions have a source, so other types of entries never match.
    """
    return (
        entry.source == SOURCE_CODE
        and entry.completion == COMPLETION_SUCCESS
        and entry.action in OPENING_ACTIONS
    )
