"""Payloads of the Nuki Bluetooth API's keypad-code commands (0x0041-0x0047).

pyNukiBT (0.0.20) only describes Add Keypad Code and a keypad entry, and sends neither,
so the commands are assembled here from section 5 of Nuki's public Smart Lock API
(v2.3.0): Add Keypad Code answers Keypad Code ID (code id, creation date); Request
Keypad Codes answers Keypad Code Count, then one Keypad Code per entry; Remove Keypad
Code answers Status. Every one of them ends with the challenge's nonce and the
security PIN (uint16 on Smart Locks 1-4).

Dates are sent in UTC, as Nuki Web's `allowedFromDate` (unverified for Bluetooth: the
API's DateTime carries no zone, and the lock keeps its clock in UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import struct
from typing import Final

from pyNukiBT.const import NukiLockConst

from .protocol import NukiProtocolError

NAME_BYTES: Final = 20
ALL_WEEKDAYS: Final = 0x7F
# Smart Locks 1-4 take a 4-digit security PIN as uint16.
MAX_SECURITY_PIN: Final = 0xFFFF
# Read in pages: a page's Keypad Code messages stay within one notification each.
PAGE_SIZE: Final = 50

_DATE = struct.Struct("<HBBBBB")
_ENTRY_HEAD = struct.Struct(f"<HI{NAME_BYTES}sB7s7sHB")
_ENTRY_TIMES = struct.Struct("<7s7sBBBBB")


@dataclass(frozen=True, slots=True)
class KeypadEntry:
    """One keypad code stored on the lock; `window` is None unless time-limited."""

    code_id: int
    code: str
    name: str
    enabled: bool
    window: tuple[datetime, datetime] | None


def entry_name(name: str) -> str:
    """Cut a name to what the lock stores: 20 bytes of UTF-8, whole characters only."""
    return name.encode()[:NAME_BYTES].decode(errors="ignore").rstrip()


def pin_bytes(pin: int) -> bytes:
    """Encode the security PIN as the lock reads it."""
    if not 0 <= pin <= MAX_SECURITY_PIN:
        raise ValueError("security PIN out of range")
    return pin.to_bytes(2, "little")


def add_code(
    code: str, name: str, start: datetime, end: datetime, nonce: bytes, pin: int
) -> bytes:
    """Add Keypad Code: a time-limited code, every weekday, all day."""
    body: bytes = NukiLockConst.AddKeypadCode.build(
        {
            "code": int(code),
            "name": entry_name(name),
            "time_limited": 1,
            "allowed_from_date": _utc(start),
            "allowed_until_date": _utc(end),
            "allowed_weekdays": dict.fromkeys(
                (
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                ),
                1,
            ),
            "allowed_from_time": {"hour": 0, "minute": 0},
            "allowed_until_time": {"hour": 0, "minute": 0},
            "nonce": nonce,
            "security_pin": 0,
        }
    )
    # pyNukiBT's structure has the PIN as uint16 already; written here to range-check it.
    return body[:-2] + pin_bytes(pin)


def request_codes(offset: int, count: int, nonce: bytes, pin: int) -> bytes:
    """Request Keypad Codes: `count` entries from `offset`."""
    return struct.pack("<HH", offset, count) + nonce + pin_bytes(pin)


def remove_code(code_id: int, nonce: bytes, pin: int) -> bytes:
    """Remove Keypad Code."""
    return struct.pack("<H", code_id) + nonce + pin_bytes(pin)


def read_code_id(payload: bytes) -> int:
    """Read the id in a Keypad Code ID answer."""
    if len(payload) < 2:
        raise NukiProtocolError("keypad code id too short")
    return int.from_bytes(payload[:2], "little")


def read_count(payload: bytes) -> int:
    """Read the total in a Keypad Code Count answer."""
    if len(payload) < 2:
        raise NukiProtocolError("keypad code count too short")
    return int.from_bytes(payload[:2], "little")


def read_entry(payload: bytes) -> KeypadEntry:
    """Read a Keypad Code answer; its window is there only when it is time-limited."""
    if len(payload) < _ENTRY_HEAD.size:
        raise NukiProtocolError("keypad code too short")
    code_id, code, name, enabled, _created, _active, _count, limited = (
        _ENTRY_HEAD.unpack_from(payload)
    )
    window = None
    if limited and len(payload) >= _ENTRY_HEAD.size + _ENTRY_TIMES.size:
        start, end, *_ = _ENTRY_TIMES.unpack_from(payload, _ENTRY_HEAD.size)
        window = _window(start, end)
    return KeypadEntry(
        code_id=code_id,
        code=str(code),
        name=name.split(b"\0", 1)[0].decode(errors="replace"),
        enabled=bool(enabled),
        window=window,
    )


def _window(start: bytes, end: bytes) -> tuple[datetime, datetime] | None:
    try:
        return _date(start), _date(end)
    except ValueError:
        return None


def _date(raw: bytes) -> datetime:
    year, month, day, hour, minute, second = _DATE.unpack(raw)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)
