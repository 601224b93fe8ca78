"""One Bluetooth connection's conversation with a Nuki lock.

A session writes a command to the lock and reads the lock's indications until the
answer it waits for arrives; an Error Report becomes NukiCommandError. Commands that
change something or read secrets first ask for a challenge (a nonce the lock accepts
once). The message format is in `protocol`, the keypad payloads in
`keypad`, the log's in `log`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import hashlib
import hmac
from typing import Any, Final

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
import nacl.utils
from pyNukiBT.const import NukiLockConst

from . import keypad, log
from .protocol import (
    PAIRING_CHAR,
    USER_CHAR,
    Command,
    Message,
    NukiCommandError,
    NukiProtocolError,
    Status,
    decode_encrypted,
    decode_plain,
    encode_encrypted,
    encode_plain,
    shared_key,
)

# Seconds to wait for each answer; a lock in range answers within a second or two.
RESPONSE_TIMEOUT: Final = 10.0
# A lock action is answered "accepted" at once and "complete" once the motor stopped.
LOCK_ACTION_TIMEOUT: Final = 30.0
NAME_BYTES: Final = 32
ID_TYPE_APP: Final = 0
# The log is read newest first, a page at a time, back to the moment asked for.
LOG_PAGE_SIZE: Final = 32
LOG_MAX_PAGES: Final = 4


@dataclass(frozen=True, slots=True)
class NukiKeys:
    """What a paired client needs to talk to its lock."""

    auth_id: bytes
    shared_key: bytes
    app_id: int


@dataclass(frozen=True, slots=True)
class Pairing:
    """What pairing returns: the authorization id and the lock's public key."""

    auth_id: bytes
    lock_public_key: bytes


class NukiBleSession:
    """Commands over one connected BleakClient."""

    def __init__(
        self,
        client: BleakClient,
        keys: NukiKeys | None,
        *,
        timeout: float | None = None,
    ) -> None:
        """Talk through `client`; `keys` is None until the client is paired."""
        self._client = client
        self._keys = keys
        self._timeout = timeout
        self._inbox: asyncio.Queue[Message | Exception] = asyncio.Queue()

    async def async_start(self) -> None:
        """Ask the lock to indicate its answers (a lock forgets this between connections)."""
        if self._keys is None:
            await self._client.start_notify(PAIRING_CHAR, self._on_plain)
        else:
            await self._client.start_notify(USER_CHAR, self._on_encrypted)

    def _on_plain(self, _sender: BleakGATTCharacteristic, data: bytearray) -> None:
        try:
            self._inbox.put_nowait(decode_plain(bytes(data)))
        except NukiProtocolError as err:
            self._inbox.put_nowait(err)

    def _on_encrypted(self, _sender: BleakGATTCharacteristic, data: bytearray) -> None:
        assert self._keys is not None  # only subscribed with keys
        try:
            auth_id, message = decode_encrypted(self._keys.shared_key, bytes(data))
            if auth_id != self._keys.auth_id:
                raise NukiProtocolError("answer for another authorization")
        except NukiProtocolError as err:
            self._inbox.put_nowait(err)
            return
        self._inbox.put_nowait(message)

    async def _exchange(
        self,
        characteristic: str,
        frame: bytes,
        done: Callable[[Message], bool],
        wait: float | None = None,
    ) -> list[Message]:
        """Write `frame`; collect the answers up to the one `done` accepts."""
        while not self._inbox.empty():
            self._inbox.get_nowait()  # answers to an earlier, abandoned command
        await self._client.write_gatt_char(characteristic, frame, response=True)
        answers: list[Message] = []
        async with asyncio.timeout(wait or self._timeout or RESPONSE_TIMEOUT):
            while True:
                item = await self._inbox.get()
                if isinstance(item, Exception):
                    raise item
                if item.command == Command.ERROR_REPORT:
                    raise _command_error(item.payload)
                answers.append(item)
                if done(item):
                    return answers

    async def _send(
        self,
        command: Command,
        payload: bytes,
        done: Callable[[Message], bool],
        wait: float | None = None,
    ) -> list[Message]:
        """Send an encrypted command."""
        assert self._keys is not None  # pairing is the only unencrypted exchange
        frame = encode_encrypted(
            self._keys.shared_key, self._keys.auth_id, command, payload
        )
        return await self._exchange(USER_CHAR, frame, done, wait)

    async def _request(self, command: Command) -> bytes:
        """Request Data for `command`; the payload of the answer with that command."""
        answers = await self._send(
            Command.REQUEST_DATA,
            int(command).to_bytes(2, "little"),
            _is(command),
        )
        return answers[-1].payload

    async def async_challenge(self) -> bytes:
        """Get a fresh nonce from the lock, for one command."""
        return (await self._request(Command.CHALLENGE))[:32]

    async def async_states(self) -> Any:
        """Read the keyturner states (parsed with pyNukiBT's structure)."""
        return NukiLockConst.KeyturnerStates.parse(
            await self._request(Command.KEYTURNER_STATES)
        )

    async def async_config(self) -> Any:
        """Read the lock's configuration (its id, name, keypad, firmware)."""
        nonce = await self.async_challenge()
        answers = await self._send(Command.REQUEST_CONFIG, nonce, _is(Command.CONFIG))
        return NukiLockConst.Config.parse(answers[-1].payload)

    async def async_lock_action(self, action: int) -> None:
        """Lock, unlock or unlatch; returns once the lock reports the action complete."""
        assert self._keys is not None
        nonce = await self.async_challenge()
        payload = NukiLockConst.LockActionMsg.build(
            {
                "lock_action": action,
                "app_id": self._keys.app_id,
                "flags": 0,
                "name_suffix": None,
                "nonce": nonce,
            }
        )
        await self._send(
            Command.LOCK_ACTION, payload, _status(Status.COMPLETE), LOCK_ACTION_TIMEOUT
        )

    async def async_verify_pin(self, pin: int) -> None:
        """Check the security PIN; a wrong one raises NukiCommandError (K_ERROR_BAD_PIN)."""
        nonce = await self.async_challenge()
        await self._send(
            Command.VERIFY_SECURITY_PIN,
            nonce + keypad.pin_bytes(pin),
            _status(Status.COMPLETE),
        )

    async def async_add_code(
        self, pin: int, code: str, name: str, window: tuple[Any, Any]
    ) -> int:
        """Add a time-limited keypad code; its id on the lock comes back."""
        nonce = await self.async_challenge()
        payload = keypad.add_code(code, name, window[0], window[1], nonce, pin)
        answers = await self._send(
            Command.ADD_KEYPAD_CODE, payload, _is(Command.KEYPAD_CODE_ID)
        )
        return keypad.read_code_id(answers[-1].payload)

    async def async_list_codes(self, pin: int) -> list[keypad.KeypadEntry]:
        """Every keypad code on the lock, a page at a time."""
        entries: list[keypad.KeypadEntry] = []
        while True:
            page = await self._list_page(pin, len(entries))
            entries.extend(page.entries)
            if not page.entries or len(entries) >= page.total:
                return entries

    async def _list_page(self, pin: int, offset: int) -> _Page:
        nonce = await self.async_challenge()
        total: int | None = None
        found: list[keypad.KeypadEntry] = []

        def done(message: Message) -> bool:
            nonlocal total
            if message.command == Command.KEYPAD_CODE_COUNT:
                total = keypad.read_count(message.payload)
            elif message.command == Command.KEYPAD_CODE:
                found.append(keypad.read_entry(message.payload))
            elif message.command == Command.STATUS:
                return True
            if total is None:
                return False
            return len(found) >= min(keypad.PAGE_SIZE, max(total - offset, 0))

        await self._send(
            Command.REQUEST_KEYPAD_CODES,
            keypad.request_codes(offset, keypad.PAGE_SIZE, nonce, pin),
            done,
        )
        return _Page(total if total is not None else len(found), found)

    async def async_read_log(self, pin: int, since: datetime) -> list[log.LogEntry]:
        """Read the newest log entries, back to the first one older than `since`.

        Stops after LOG_MAX_PAGES pages: a lock used that often since then has its
        older entries left out rather than read for minutes.
        """
        entries: list[log.LogEntry] = []
        start = 0
        for _ in range(LOG_MAX_PAGES):
            page = await self._log_page(pin, start)
            entries.extend(page)
            if len(page) < LOG_PAGE_SIZE or any(
                entry.at is not None and entry.at < since for entry in page
            ):
                break
            start = page[-1].index
        return entries

    async def _log_page(self, pin: int, start: int) -> list[log.LogEntry]:
        nonce = await self.async_challenge()
        count: log.LogCount | None = None
        found: list[log.LogEntry] = []

        def done(message: Message) -> bool:
            nonlocal count
            if message.command == Command.LOG_ENTRY_COUNT:
                count = log.read_count(message.payload)
            elif message.command == Command.LOG_ENTRY:
                found.append(log.read_entry(message.payload))
            elif message.command == Command.STATUS:
                return True
            if count is None:
                return False
            return len(found) >= min(LOG_PAGE_SIZE, count.total)

        await self._send(
            Command.REQUEST_LOG_ENTRIES,
            log.request_entries(start, LOG_PAGE_SIZE, nonce, pin),
            done,
        )
        if count is not None and not count.enabled:
            raise LoggingDisabledError
        return found

    async def async_remove_code(self, pin: int, code_id: int) -> None:
        """Remove a keypad code by its id on the lock."""
        nonce = await self.async_challenge()
        await self._send(
            Command.REMOVE_KEYPAD_CODE,
            keypad.remove_code(code_id, nonce, pin),
            _status(Status.COMPLETE),
        )

    async def async_pair(
        self, private_key: bytes, public_key: bytes, app_id: int, name: str
    ) -> Pairing:
        """Authorize this client as an app (the lock must be in pairing mode).

        The steps and authenticators are those of "Authorize App" in the API's
        command usage examples.
        """
        answer = await self._plain(
            Command.REQUEST_DATA,
            int(Command.PUBLIC_KEY).to_bytes(2, "little"),
            Command.PUBLIC_KEY,
        )
        lock_key = answer[:32]
        key = shared_key(lock_key, private_key)
        nonce = (await self._plain(Command.PUBLIC_KEY, public_key, Command.CHALLENGE))[
            :32
        ]
        nonce = (
            await self._plain(
                Command.AUTHORIZATION_AUTHENTICATOR,
                _hmac(key, public_key + lock_key + nonce),
                Command.CHALLENGE,
            )
        )[:32]
        data = (
            bytes([ID_TYPE_APP])
            + app_id.to_bytes(4, "little")
            + name.encode()[:NAME_BYTES].ljust(NAME_BYTES, b"\0")
            + nacl.utils.random(32)
        )
        answer = await self._plain(
            Command.AUTHORIZATION_DATA,
            _hmac(key, data + nonce) + data,
            Command.AUTHORIZATION_ID,
        )
        auth_id, lock_nonce = answer[32:36], answer[52:84]
        await self._plain(
            Command.AUTHORIZATION_ID_CONFIRMATION,
            _hmac(key, auth_id + lock_nonce) + auth_id,
            Command.STATUS,
        )
        return Pairing(auth_id=auth_id, lock_public_key=lock_key)

    async def _plain(self, command: Command, payload: bytes, answer: Command) -> bytes:
        answers = await self._exchange(
            PAIRING_CHAR, encode_plain(command, payload), _is(answer)
        )
        return answers[-1].payload


class LoggingDisabledError(Exception):
    """The lock's activity log is turned off: it records no openings."""


@dataclass(frozen=True, slots=True)
class _Page:
    total: int
    entries: list[keypad.KeypadEntry]


def _is(command: Command) -> Callable[[Message], bool]:
    return lambda message: message.command == command


def _status(status: Status) -> Callable[[Message], bool]:
    return lambda message: (
        message.command == Command.STATUS and message.payload[:1] == bytes([status])
    )


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _command_error(payload: bytes) -> NukiCommandError:
    if len(payload) < 3:
        return NukiCommandError(0xFF, 0)
    return NukiCommandError(payload[0], int.from_bytes(payload[1:3], "little"))
