"""A Nuki Smart Lock 3.0 as a Bluetooth peer, for tests: it speaks the protocol for real.

Written from Nuki's public Smart Lock API (v2.3.0) and independent of the code under
test: its own CRC-CCITT, its own byte layouts (struct), NaCl for the key exchange and
the encryption. It checks every message (CRC, decryption, authorization id, nonce,
security PIN, payload length) and answers with the lock's Error Reports, so a client
that gets any of them wrong fails.

`FakeNukiLock` is the lock; `FakeBleakClient` is the BleakClient a connection to it
gives, handed out by a patched `establish_connection`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib
import hmac
import os
import struct
from typing import Any

from bleak.exc import BleakError
from nacl.bindings import crypto_box_beforenm
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey
from nacl.secret import SecretBox

PAIRING_CHAR = "a92ee101-5501-11e4-916c-0800200c9a66"
USER_CHAR = "a92ee202-5501-11e4-916c-0800200c9a66"

REQUEST_DATA = 0x01
PUBLIC_KEY = 0x03
CHALLENGE = 0x04
AUTH_AUTHENTICATOR = 0x05
AUTH_DATA = 0x06
AUTH_ID = 0x07
KEYTURNER_STATES = 0x0C
LOCK_ACTION = 0x0D
STATUS = 0x0E
ERROR_REPORT = 0x12
REQUEST_CONFIG = 0x14
CONFIG = 0x15
AUTH_ID_CONFIRMATION = 0x1E
VERIFY_PIN = 0x20
REQUEST_LOG_ENTRIES = 0x31
LOG_ENTRY = 0x32
LOG_ENTRY_COUNT = 0x33
ADD_KEYPAD_CODE = 0x41
KEYPAD_CODE_ID = 0x42
REQUEST_KEYPAD_CODES = 0x43
KEYPAD_CODE_COUNT = 0x44
KEYPAD_CODE = 0x45
REMOVE_KEYPAD_CODE = 0x47

COMPLETE = 0x00
ACCEPTED = 0x01

ERROR_BAD_CRC = 0xFD
ERROR_BAD_LENGTH = 0xFE
P_ERROR_NOT_PAIRING = 0x10
P_ERROR_BAD_AUTHENTICATOR = 0x11
K_ERROR_NOT_AUTHORIZED = 0x20
K_ERROR_BAD_PIN = 0x21
K_ERROR_BAD_NONCE = 0x22
K_ERROR_BAD_PARAMETER = 0x23
K_ERROR_CODE_ALREADY_EXISTS = 0x2A
K_ERROR_CODE_INVALID = 0x2B
K_ERROR_MOTOR_BLOCKED = 0x42

LOCKED = 1
UNLOCKED = 3
UNLATCHED = 5
ACTION_STATES = {1: UNLOCKED, 2: LOCKED, 3: UNLATCHED}

# Log entry types and the fields of their data.
LOG_LOCK_ACTION = 0x02
LOG_KEYPAD_ACTION = 0x05
LOG_DOOR_SENSOR = 0x06
TRIGGER_SYSTEM = 0x00  # the app, over Bluetooth or through a bridge
TRIGGER_MANUAL = 0x01
TRIGGER_BUTTON = 0x02
TRIGGER_AUTO_LOCK = 0x06
SOURCE_ARROW_KEY = 0x00
SOURCE_CODE = 0x01
SOURCE_FINGERPRINT = 0x02
SUCCESS = 0x00
MOTOR_BLOCKED = 0x01
INVALID_CODE = 0xE0

# Add Keypad Code: code, name, time limited, from, until, weekdays, from time,
# until time, nonce, PIN (uint16 on a Smart Lock 3.0).
ADD_CODE = struct.Struct("<I20sB7s7sB2s2s32sH")
DATE = struct.Struct("<HBBBBB")
# Request Log Entries: start index, count, sort order, total count, nonce, PIN.
REQUEST_LOG = struct.Struct("<IHBB32sH")


def crc_ccitt(data: bytes) -> int:
    """CRC-CCITT, polynomial 0x1021, initial 0xFFFF, bit by bit."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def with_crc(data: bytes) -> bytes:
    return data + struct.pack("<H", crc_ccitt(data))


def crc_ok(data: bytes) -> bool:
    return len(data) >= 4 and struct.unpack("<H", data[-2:])[0] == crc_ccitt(data[:-2])


def nuki_date(moment: datetime) -> bytes:
    return DATE.pack(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second
    )


def utc_date(moment: datetime) -> bytes:
    return nuki_date(moment.astimezone(UTC))


def read_date(raw: bytes) -> datetime:
    return datetime(*DATE.unpack(raw), tzinfo=UTC)


class Silence(Exception):
    """The lock does not answer (its radio dropped the link)."""


@dataclass
class StoredCode:
    code_id: int
    code: int
    name: str
    start: datetime
    end: datetime
    enabled: bool = True


@dataclass
class LogRecord:
    """One entry of the lock's log, its `data` as a Smart Lock 3.0 sends it.

    `at` None: the lock's clock was never set, the entry's date is all zeros.
    """

    index: int
    at: datetime | None
    auth_id: bytes
    name: str
    type: int
    data: bytes

    def payload(self) -> bytes:
        return (
            struct.pack("<I", self.index)
            + (bytes(7) if self.at is None else utc_date(self.at))
            + self.auth_id
            + self.name.encode().ljust(32, b"\0")
            + bytes([self.type])
            + self.data
        )


@dataclass
class FakeNukiLock:
    """The lock's state and its side of the protocol."""

    security_pin: int = 4711
    name: str = "Front door"
    nuki_id: int = 0x2A1B3C4D
    has_keypad: bool = True
    pairing_mode: bool = False
    lock_state: int = LOCKED
    battery: int = 84
    # Keyturner states' door sensor byte: 2 closed, 3 opened, 1 deactivated, ...
    door_state: int = 2
    in_range: bool = True
    codes: dict[int, StoredCode] = field(default_factory=dict)
    log: list[LogRecord] = field(default_factory=list)
    logging_enabled: bool = True
    # Whether a Status follows the last Log Entry (pyNukiBT waits for one), and
    # whether a Log Entry Count comes first when asked for.
    log_status: bool = True
    log_count: bool = True
    # Request Log Entries as read: start index, count, sort order, total count flag.
    log_requests: list[tuple[int, int, int, int]] = field(default_factory=list)
    # authorization id -> shared key
    authorizations: dict[bytes, bytes] = field(default_factory=dict)
    received: list[int] = field(default_factory=list)
    connections: int = 0
    # Carry out this command, then drop the link before answering.
    silent_after: int | None = None
    # Answer this command with this error report.
    fail_with: dict[int, int] = field(default_factory=dict)
    _private: PrivateKey = field(default_factory=PrivateKey.generate)
    _nonce: bytes | None = None
    _pairing: dict[str, Any] = field(default_factory=dict)
    _next_code_id: int = 1

    def authorize(self, app_id: int = 7) -> tuple[bytes, bytes, int]:
        """Pair a client without the pairing exchange: its auth id, shared key, app id."""
        client = PrivateKey.generate()
        key = crypto_box_beforenm(bytes(self._private.public_key), bytes(client))
        auth_id = os.urandom(4)
        self.authorizations[auth_id] = key
        return auth_id, key, app_id

    def add_code(self, code: int, name: str, start: datetime, end: datetime) -> int:
        code_id = self._next_code_id
        self._next_code_id += 1
        self.codes[code_id] = StoredCode(code_id, code, name, start, end)
        return code_id

    # --- what happens at the door (it lands in the log) ------------------------

    def type_code(self, code: int, at: datetime, action: int = 1) -> LogRecord:
        """Someone types `code` on the keypad and presses the key for `action`."""
        stored = next(
            (
                c
                for c in self.codes.values()
                if c.code == code and c.enabled and c.start <= at < c.end
            ),
            None,
        )
        if stored is None:
            return self.keypad_action(at, action, SOURCE_CODE, INVALID_CODE, 0, "")
        self.lock_state = ACTION_STATES.get(action, self.lock_state)
        return self.keypad_action(
            at, action, SOURCE_CODE, SUCCESS, stored.code_id, stored.name
        )

    def keypad_action(
        self,
        at: datetime,
        action: int,
        source: int,
        completion: int,
        code_id: int,
        name: str = "Keypad",
    ) -> LogRecord:
        """Log a keypad action: action, source, completion status, code id."""
        data = bytes([action, source, completion]) + struct.pack("<H", code_id)
        return self.log_entry(at, LOG_KEYPAD_ACTION, data, name)

    def lock_action_by(
        self,
        at: datetime,
        action: int,
        trigger: int,
        name: str = "Anna's phone",
        completion: int = SUCCESS,
    ) -> LogRecord:
        """Log a lock action (app, button, by hand): action, trigger, flags, status."""
        # A Smart Lock 3.0 pads this entry's data with one byte.
        data = bytes([action, trigger, 0, completion, 0])
        return self.log_entry(at, LOG_LOCK_ACTION, data, name)

    def log_entry(self, at: datetime, kind: int, data: bytes, name: str) -> LogRecord:
        index = self.log[-1].index + 1 if self.log else 1
        record = LogRecord(index, at, os.urandom(4), name, kind, data)
        if self.logging_enabled:
            self.log.append(record)
        return record

    # --- transport ------------------------------------------------------------

    def handle(self, characteristic: str, data: bytes) -> list[tuple[str, bytes]]:
        """Answer one written message: the indications the lock sends back."""
        if characteristic == PAIRING_CHAR:
            if not crc_ok(data):
                return [
                    (
                        PAIRING_CHAR,
                        self._plain(ERROR_REPORT, bytes([ERROR_BAD_CRC, 0, 0])),
                    )
                ]
            command = struct.unpack("<H", data[:2])[0]
            answers = self._pair_step(command, data[2:-2])
            return [(PAIRING_CHAR, self._plain(*answer)) for answer in answers]
        return self._encrypted(data)

    def _plain(self, command: int, payload: bytes) -> bytes:
        return with_crc(struct.pack("<H", command) + payload)

    def _encrypted(self, data: bytes) -> list[tuple[str, bytes]]:
        nonce, auth_id, length = (
            data[:24],
            data[24:28],
            struct.unpack("<H", data[28:30])[0],
        )
        key = self.authorizations.get(auth_id)
        if key is None or length != len(data) - 30:
            return []  # the lock cannot even answer in a key the client knows
        try:
            plain = SecretBox(key).decrypt(data[30:], nonce)
        except CryptoError:  # the lock cannot read it: not authorized
            return []
        if plain[:4] != auth_id:
            return self._seal(
                key, auth_id, [(ERROR_REPORT, bytes([K_ERROR_NOT_AUTHORIZED, 0, 0]))]
            )
        if not crc_ok(plain):
            return self._seal(
                key, auth_id, [(ERROR_REPORT, bytes([ERROR_BAD_CRC, 0, 0]))]
            )
        command = struct.unpack("<H", plain[4:6])[0]
        self.received.append(command)
        if command in self.fail_with:
            error = self.fail_with.pop(command)
            return self._seal(
                key,
                auth_id,
                [(ERROR_REPORT, bytes([error]) + struct.pack("<H", command))],
            )
        try:
            answers = self._command(command, plain[6:-2])
        except _Refused as refused:
            answers = [
                (ERROR_REPORT, bytes([refused.code]) + struct.pack("<H", command))
            ]
        if self.silent_after == command:
            self.silent_after = None
            raise Silence
        return self._seal(key, auth_id, answers)

    def _seal(
        self, key: bytes, auth_id: bytes, answers: list[tuple[int, bytes]]
    ) -> list[tuple[str, bytes]]:
        frames = []
        for command, payload in answers:
            plain = with_crc(auth_id + struct.pack("<H", command) + payload)
            nonce = os.urandom(24)
            sealed = SecretBox(key).encrypt(plain, nonce).ciphertext
            frames.append(
                (USER_CHAR, nonce + auth_id + struct.pack("<H", len(sealed)) + sealed)
            )
        return frames

    # --- pairing --------------------------------------------------------------

    def _pair_step(self, command: int, payload: bytes) -> list[tuple[int, bytes]]:
        own_public = bytes(self._private.public_key)
        if command == REQUEST_DATA and payload == struct.pack("<H", PUBLIC_KEY):
            if not self.pairing_mode:
                return [(ERROR_REPORT, bytes([P_ERROR_NOT_PAIRING]) + payload)]
            return [(PUBLIC_KEY, own_public)]
        state = self._pairing
        if command == PUBLIC_KEY:
            state["client"] = payload
            state["key"] = crypto_box_beforenm(payload, bytes(self._private))
            state["nonce"] = os.urandom(32)
            return [(CHALLENGE, state["nonce"])]
        key = state["key"]
        if command == AUTH_AUTHENTICATOR:
            expected = _hmac(key, state["client"] + own_public + state["nonce"])
            if payload != expected:
                return [(ERROR_REPORT, bytes([P_ERROR_BAD_AUTHENTICATOR, command, 0]))]
            state["nonce"] = os.urandom(32)
            return [(CHALLENGE, state["nonce"])]
        if command == AUTH_DATA:
            authenticator, data = payload[:32], payload[32:]
            if len(data) != 1 + 4 + 32 + 32 or authenticator != _hmac(
                key, data + state["nonce"]
            ):
                return [(ERROR_REPORT, bytes([P_ERROR_BAD_AUTHENTICATOR, command, 0]))]
            state["auth_id"] = os.urandom(4)
            state["app_name"] = data[5:37].rstrip(b"\0").decode()
            uuid, state["nonce"] = os.urandom(16), os.urandom(32)
            body = state["auth_id"] + uuid + state["nonce"]
            return [(AUTH_ID, _hmac(key, body) + body)]
        if command == AUTH_ID_CONFIRMATION:
            if (
                payload
                != _hmac(key, state["auth_id"] + state["nonce"]) + state["auth_id"]
            ):
                return [(ERROR_REPORT, bytes([P_ERROR_BAD_AUTHENTICATOR, command, 0]))]
            self.authorizations[state["auth_id"]] = key
            self.pairing_mode = False
            return [(STATUS, bytes([COMPLETE]))]
        return [(ERROR_REPORT, bytes([ERROR_BAD_LENGTH, command, 0]))]

    # --- keyturner commands ---------------------------------------------------

    def _command(self, command: int, payload: bytes) -> list[tuple[int, bytes]]:
        if command == REQUEST_DATA:
            (wanted,) = struct.unpack("<H", payload)
            if wanted == CHALLENGE:
                self._nonce = os.urandom(32)
                return [(CHALLENGE, self._nonce)]
            if wanted == KEYTURNER_STATES:
                return [(KEYTURNER_STATES, self._states())]
            raise _Refused(K_ERROR_BAD_PARAMETER)
        if command == REQUEST_CONFIG:
            if len(payload) != 32:
                raise _Refused(ERROR_BAD_LENGTH)
            self._use_nonce(payload, 0)
            return [(CONFIG, self._config())]
        if command == LOCK_ACTION:
            return self._lock_action(payload)
        if command == VERIFY_PIN:
            self._check(payload, 0)
            return [(STATUS, bytes([COMPLETE]))]
        if command == ADD_KEYPAD_CODE:
            return self._add_code(payload)
        if command == REQUEST_KEYPAD_CODES:
            self._check(payload, 4)
            offset, count = struct.unpack("<HH", payload[:4])
            entries = sorted(self.codes.values(), key=lambda c: c.code_id)
            return [(KEYPAD_CODE_COUNT, struct.pack("<H", len(entries)))] + [
                (KEYPAD_CODE, _entry(entry))
                for entry in entries[offset : offset + count]
            ]
        if command == REQUEST_LOG_ENTRIES:
            return self._log_entries(payload)
        if command == REMOVE_KEYPAD_CODE:
            self._check(payload, 2)
            (code_id,) = struct.unpack("<H", payload[:2])
            if self.codes.pop(code_id, None) is None:
                raise _Refused(K_ERROR_BAD_PARAMETER)
            return [(STATUS, bytes([COMPLETE]))]
        raise _Refused(ERROR_BAD_LENGTH)

    def _use_nonce(self, payload: bytes, at: int) -> None:
        """The challenge's nonce must come back once, at its place."""
        nonce, self._nonce = self._nonce, None
        if nonce is None or payload[at : at + 32] != nonce:
            raise _Refused(K_ERROR_BAD_NONCE)

    def _check(self, payload: bytes, at: int) -> None:
        """Check a PIN command's length, nonce and PIN (they follow `at` bytes of fields)."""
        if len(payload) != at + 32 + 2:
            raise _Refused(ERROR_BAD_LENGTH)
        self._use_nonce(payload, at)
        if struct.unpack("<H", payload[-2:])[0] != self.security_pin:
            raise _Refused(K_ERROR_BAD_PIN)

    def _lock_action(self, payload: bytes) -> list[tuple[int, bytes]]:
        if len(payload) not in (38, 58):
            raise _Refused(ERROR_BAD_LENGTH)
        action = payload[0]
        self._use_nonce(payload, len(payload) - 32)
        if action not in ACTION_STATES:
            raise _Refused(K_ERROR_BAD_PARAMETER)
        self.lock_state = ACTION_STATES[action]
        return [
            (STATUS, bytes([ACCEPTED])),
            (KEYTURNER_STATES, self._states()),
            (STATUS, bytes([COMPLETE])),
        ]

    def _log_entries(self, payload: bytes) -> list[tuple[int, bytes]]:
        self._check(payload, REQUEST_LOG.size - 34)
        start, count, descending, total, _nonce, _pin = REQUEST_LOG.unpack(payload)
        self.log_requests.append((start, count, descending, total))
        if descending not in (0, 1) or total not in (0, 1):
            raise _Refused(K_ERROR_BAD_PARAMETER)
        ordered = sorted(self.log, key=lambda r: r.index, reverse=bool(descending))
        if start:
            # Entries past the start index in the sort order, not the entry itself.
            ordered = [
                r
                for r in ordered
                if (r.index < start if descending else r.index > start)
            ]
        answers: list[tuple[int, bytes]] = []
        if total and self.log_count:
            answers.append(
                (
                    LOG_ENTRY_COUNT,
                    struct.pack("<BHBB", int(self.logging_enabled), len(ordered), 0, 0),
                )
            )
        answers += [(LOG_ENTRY, record.payload()) for record in ordered[:count]]
        if self.log_status:
            answers.append((STATUS, bytes([COMPLETE])))
        return answers

    def _add_code(self, payload: bytes) -> list[tuple[int, bytes]]:
        if len(payload) != ADD_CODE.size:
            raise _Refused(ERROR_BAD_LENGTH)
        self._check(payload, ADD_CODE.size - 34)
        code, name, limited, start, end, weekdays, _from, _until, _nonce, _pin = (
            ADD_CODE.unpack(payload)
        )
        text = str(code)
        if len(text) != 6 or "0" in text or text.startswith("12"):
            raise _Refused(K_ERROR_CODE_INVALID)
        if any(stored.code == code for stored in self.codes.values()):
            raise _Refused(K_ERROR_CODE_ALREADY_EXISTS)
        if limited != 1 or weekdays != 0x7F:
            raise _Refused(K_ERROR_BAD_PARAMETER)
        code_id = self.add_code(
            code, name.rstrip(b"\0").decode(), read_date(start), read_date(end)
        )
        return [
            (KEYPAD_CODE_ID, struct.pack("<H", code_id) + nuki_date(datetime.now(UTC)))
        ]

    def _states(self) -> bytes:
        now = datetime.now(UTC)
        battery = (self.battery // 2) << 2 | (1 if self.battery < 20 else 0)
        return (
            bytes([2, self.lock_state, 0])
            + nuki_date(now)
            + struct.pack("<h", 0)
            + bytes([battery, 3, 0, 2, 0, 0, self.door_state])
        )

    def _config(self) -> bytes:
        now = datetime.now(UTC)
        return (
            struct.pack("<I", self.nuki_id)
            + self.name.encode().ljust(32, b"\0")
            + struct.pack("<ff", 47.07, 15.44)
            + bytes([0, 1, 1, 1, 3])
            + nuki_date(now)
            + struct.pack("<h", 60)
            + bytes([1, 0, 1, 2, 3, 0, 0, int(self.has_keypad)])
            + bytes([3, 3, 8])
            + bytes([6, 0])
        )


class _Refused(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _entry(entry: StoredCode) -> bytes:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return (
        struct.pack("<HI", entry.code_id, entry.code)
        + entry.name.encode().ljust(20, b"\0")
        + bytes([int(entry.enabled)])
        + nuki_date(created)
        + nuki_date(created)
        + struct.pack("<HB", 0, 1)
        + nuki_date(entry.start)
        + nuki_date(entry.end)
        + bytes([0x7F, 0, 0, 0, 0])
    )


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


class FakeBleakClient:
    """What `establish_connection` returns for the fake lock."""

    def __init__(
        self, lock: FakeNukiLock, on_disconnect: Callable[[Any], None] | None
    ) -> None:
        self.lock = lock
        self.is_connected = True
        self._on_disconnect = on_disconnect
        self._handlers: dict[str, Callable[[Any, bytearray], None]] = {}

    async def start_notify(
        self, characteristic: str, handler: Callable[[Any, bytearray], None]
    ) -> None:
        self._handlers[characteristic] = handler

    async def write_gatt_char(
        self, characteristic: str, data: bytes, response: bool = True
    ) -> None:
        if not self.is_connected or not self.lock.in_range:
            raise BleakError("not connected")
        try:
            answers = self.lock.handle(characteristic, bytes(data))
        except Silence:
            self._drop()
            return
        loop = asyncio.get_running_loop()
        for answer_characteristic, frame in answers:
            handler = self._handlers.get(answer_characteristic)
            if handler is not None:
                loop.call_soon(handler, answer_characteristic, bytearray(frame))

    async def disconnect(self) -> bool:
        self._drop()
        return True

    def _drop(self) -> None:
        if self.is_connected:
            self.is_connected = False
            if self._on_disconnect is not None:
                self._on_disconnect(self)


@dataclass
class FakeRadio:
    """Stands in for bleak-retry-connector: connects to the fake lock, or fails."""

    lock: FakeNukiLock
    clients: list[FakeBleakClient] = field(default_factory=list)

    async def establish_connection(
        self,
        client_class: type,
        device: Any,
        name: str,
        disconnected_callback: Any = None,
        **kwargs: Any,
    ) -> FakeBleakClient:
        if not self.lock.in_range:
            raise BleakError("out of range")
        self.lock.connections += 1
        client = FakeBleakClient(self.lock, disconnected_callback)
        self.clients.append(client)
        return client
