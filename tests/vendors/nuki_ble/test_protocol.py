"""The Bluetooth message format, the keypad payloads and the error mapping, piece by piece."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import struct
from typing import Any
from unittest.mock import AsyncMock

from bleak.exc import BleakError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorInputError,
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.nuki_ble import (
    connection as nuki_ble_connection,
    keypad,
    vendor as nuki_ble_module,
)
from custom_components.lockbooking.vendors.nuki_ble.connection import vendor_error
from custom_components.lockbooking.vendors.nuki_ble.protocol import (
    Command,
    ErrorCode,
    NukiCommandError,
    NukiProtocolError,
    crc,
    decode_encrypted,
    decode_plain,
    encode_encrypted,
    encode_plain,
)
from custom_components.lockbooking.vendors.nuki_ble.session import (
    NukiBleSession,
    NukiKeys,
)
from custom_components.lockbooking.vendors.nuki_ble.vendor import (
    NukiBleVendor,
    security_pin,
)
from homeassistant.core import HomeAssistant

from .conftest import advertise
from .fake_nuki_peer import ADD_CODE, KEYPAD_CODE, FakeNukiLock, crc_ccitt, read_date

KEY = bytes(range(32))
AUTH_ID = bytes([1, 2, 3, 4])


def test_crc_is_ccitt_false() -> None:
    """The check value of CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), little-endian."""
    assert crc(b"123456789") == bytes([0xB1, 0x29])
    assert crc_ccitt(b"123456789") == 0x29B1


def test_plain_round_trip_and_crc_check() -> None:
    frame = encode_plain(Command.REQUEST_DATA, struct.pack("<H", Command.PUBLIC_KEY))
    assert frame[:4] == bytes([0x01, 0x00, 0x03, 0x00])
    message = decode_plain(frame)
    assert (message.command, message.payload) == (Command.REQUEST_DATA, b"\x03\x00")
    with pytest.raises(NukiProtocolError, match="CRC"):
        decode_plain(frame[:-1] + bytes([frame[-1] ^ 1]))
    with pytest.raises(NukiProtocolError):
        decode_plain(b"\x01")


def test_encrypted_round_trip() -> None:
    frame = encode_encrypted(KEY, AUTH_ID, Command.REQUEST_DATA, b"\x04\x00")
    assert frame[24:28] == AUTH_ID
    assert struct.unpack("<H", frame[28:30])[0] == len(frame) - 30
    auth_id, message = decode_encrypted(KEY, frame)
    assert (auth_id, message.command, message.payload) == (
        AUTH_ID,
        Command.REQUEST_DATA,
        b"\x04\x00",
    )
    # Two frames of the same command never share a nonce.
    assert encode_encrypted(KEY, AUTH_ID, Command.REQUEST_DATA)[:24] != frame[:24]


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda f: f[:20], "too short"),
        (lambda f: f[:-1], "length"),
        (lambda f: f[:40] + bytes([f[40] ^ 0xFF]) + f[41:], "decrypt"),
    ],
)
def test_encrypted_frame_checks(mangle: Any, message: str) -> None:
    frame = encode_encrypted(KEY, AUTH_ID, Command.STATUS, b"\x00")
    with pytest.raises(NukiProtocolError, match=message):
        decode_encrypted(KEY, mangle(frame))
    with pytest.raises(NukiProtocolError):
        decode_encrypted(bytes(32), frame)


def test_encrypted_crc_is_checked() -> None:
    from nacl.secret import SecretBox

    plain = AUTH_ID + b"\x0e\x00\x00" + b"\x00\x00"  # wrong CRC
    nonce = bytes(24)
    sealed = SecretBox(KEY).encrypt(plain, nonce).ciphertext
    with pytest.raises(NukiProtocolError, match="CRC"):
        decode_encrypted(KEY, nonce + AUTH_ID + struct.pack("<H", len(sealed)) + sealed)
    tiny = SecretBox(KEY).encrypt(b"\x01\x02" + crc(b"\x01\x02"), nonce).ciphertext
    with pytest.raises(NukiProtocolError, match="too short"):
        decode_encrypted(KEY, nonce + AUTH_ID + struct.pack("<H", len(tiny)) + tiny)


def test_add_code_layout() -> None:
    """The bytes Add Keypad Code carries, read with the lock's layout."""
    nonce = bytes(range(32))
    start = datetime(2030, 8, 1, 15, 0, 30, 999, tzinfo=UTC)
    payload = keypad.add_code(
        "456789", "LB Anna Schmidt-Müller", start, start, nonce, 4711
    )
    code, name, limited, since, _until_date, weekdays, _from, _until, got_nonce, pin = (
        ADD_CODE.unpack(payload)
    )
    assert (code, limited, weekdays, got_nonce, pin) == (456789, 1, 0x7F, nonce, 4711)
    assert name.rstrip(b"\0").decode() == "LB Anna Schmidt-Mül"
    assert read_date(since) == start.replace(microsecond=0)


def test_entry_name_cuts_whole_characters() -> None:
    assert keypad.entry_name("LB Anna Schmidt-Müller") == "LB Anna Schmidt-Mül"
    assert keypad.entry_name("LB Ölçü Ğüşçö Ğüş") == "LB Ölçü Ğüşç"


def test_pin_out_of_range() -> None:
    with pytest.raises(ValueError, match="out of range"):
        keypad.pin_bytes(70000)
    for value in ("", "12a4", "123456", "70000"):
        with pytest.raises(ValueError, match="not a security PIN"):
            security_pin(value)
    assert security_pin(" 0042 ") == 42


@pytest.mark.parametrize(
    "reader", [keypad.read_code_id, keypad.read_count, keypad.read_entry]
)
def test_short_answers(reader: Any) -> None:
    with pytest.raises(NukiProtocolError):
        reader(b"\x01")


def test_entry_without_window_and_with_a_bad_date() -> None:
    head = (
        struct.pack("<HI", 3, 456789) + b"Name".ljust(20, b"\0") + b"\x01" + bytes(14)
    )
    entry = keypad.read_entry(head + struct.pack("<HB", 0, 0))
    assert (entry.code_id, entry.code, entry.name, entry.window) == (
        3,
        "456789",
        "Name",
        None,
    )
    bad = head + struct.pack("<HB", 0, 1) + bytes(7) + bytes(7) + bytes(5)
    assert keypad.read_entry(bad).window is None


@pytest.mark.parametrize(
    ("code", "error", "key"),
    [
        (ErrorCode.P_ERROR_NOT_PAIRING, VendorInputError, "not_pairing"),
        (ErrorCode.P_ERROR_MAX_USER, VendorInputError, "too_many_users"),
        (ErrorCode.K_ERROR_BAD_PIN, VendorAuthError, "security PIN"),
        (ErrorCode.K_ERROR_TOO_MANY_PIN_ATTEMPTS, VendorAuthError, "too many"),
        (ErrorCode.K_ERROR_NOT_AUTHORIZED, VendorAuthError, "pairing"),
        (ErrorCode.K_ERROR_BUSY, VendorUnavailableError, "busy"),
        (ErrorCode.K_ERROR_TOO_MANY_ENTRIES, VendorRejectedError, "no room"),
        (0x99, VendorRejectedError, "0x99"),
    ],
)
def test_error_reports(code: int, error: type, key: str) -> None:
    mapped = vendor_error(NukiCommandError(code, Command.ADD_KEYPAD_CODE))
    assert isinstance(mapped, error)
    assert key in (
        mapped.error if isinstance(mapped, VendorInputError) else mapped.detail
    )
    if isinstance(mapped, VendorUnavailableError):
        assert mapped.unprocessed


class _Client:
    """A client whose lock answers with whatever the test hands it."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.handler: Any = None
        self.start_notify = AsyncMock(side_effect=self._notify)

    async def _notify(self, _char: str, handler: Any) -> None:
        self.handler = handler

    async def write_gatt_char(
        self, _char: str, _data: bytes, response: bool = True
    ) -> None:
        for answer in self.answers:
            self.handler(None, bytearray(answer))


async def test_answer_for_another_authorization_is_refused() -> None:
    client = _Client([encode_encrypted(KEY, bytes(4), Command.CHALLENGE, bytes(32))])
    session = NukiBleSession(client, NukiKeys(AUTH_ID, KEY, 1))  # type: ignore[arg-type]
    await session.async_start()
    with pytest.raises(NukiProtocolError, match="another authorization"):
        await session.async_challenge()


async def test_unreadable_pairing_answer_and_short_error_report() -> None:
    client = _Client([b"\x03\x00garbage"])
    session = NukiBleSession(client, None)  # type: ignore[arg-type]
    await session.async_start()
    with pytest.raises(NukiProtocolError):
        await session.async_pair(bytes(32), bytes(32), 1, "HA")
    client.answers = [encode_plain(Command.ERROR_REPORT, b"\x10")]
    with pytest.raises(NukiCommandError) as raised:
        await session.async_pair(bytes(32), bytes(32), 1, "HA")
    assert raised.value.code == 0xFF


async def test_listing_ends_at_a_status(hass: HomeAssistant) -> None:
    """A lock that ends the listing with a Status (fewer entries than it counted)."""
    entry = FakeNukiLock()
    entry.add_code(
        456789,
        "LB A",
        datetime(2030, 1, 1, tzinfo=UTC),
        datetime(2030, 1, 2, tzinfo=UTC),
    )
    from .fake_nuki_peer import _entry

    answers = [
        encode_encrypted(KEY, AUTH_ID, Command.CHALLENGE, bytes(32)),
        encode_encrypted(KEY, AUTH_ID, Command.KEYPAD_CODE_COUNT, struct.pack("<H", 5)),
        encode_encrypted(KEY, AUTH_ID, KEYPAD_CODE, _entry(entry.codes[1])),
        encode_encrypted(KEY, AUTH_ID, Command.STATUS, b"\x00"),
    ]
    client = _Client([])
    session = NukiBleSession(client, NukiKeys(AUTH_ID, KEY, 1))  # type: ignore[arg-type]
    await session.async_start()
    sent: list[int] = []

    async def write(_char: str, data: bytes, response: bool = True) -> None:
        _auth, message = decode_encrypted(KEY, data)
        sent.append(message.command)
        if message.command == Command.REQUEST_DATA:
            batch = [answers[0]]
        elif sent.count(Command.REQUEST_KEYPAD_CODES) == 1:
            batch = answers[1:]
        else:  # the next page: the count, then nothing but the end
            batch = [answers[1], answers[3]]
        for answer in batch:
            client.handler(None, bytearray(answer))

    client.write_gatt_char = write  # type: ignore[method-assign]
    entries = await session.async_list_codes(4711)
    assert [e.code for e in entries] == ["456789"]
    assert sent == [Command.REQUEST_DATA, Command.REQUEST_KEYPAD_CODES] * 2


@pytest.mark.usefixtures("enable_bluetooth")
async def test_lock_gone_quiet_is_shown_offline(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    vendor = init_nuki_ble.runtime_data.vendor
    assert isinstance(vendor, NukiBleVendor)
    await vendor.connection.async_close()
    # The module the vendor imported (tests may import a fresh copy of bluetooth's).
    bluetooth = nuki_ble_module.bluetooth
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bluetooth, "async_address_present", lambda *a, **k: False)
        [lock] = await vendor.async_get_locks()
    assert not lock.status.online
    assert lock.status.battery_level == 84
    connections = nuki_lock.connections
    advertise(hass)
    [lock] = await vendor.async_get_locks()
    assert lock.status.online
    assert nuki_lock.connections == connections + 1


@pytest.mark.usefixtures("enable_bluetooth")
async def test_heard_but_not_connectable(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry
) -> None:
    vendor = init_nuki_ble.runtime_data.vendor
    await vendor.connection.async_close()
    bluetooth = nuki_ble_connection.bluetooth
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bluetooth, "async_ble_device_from_address", lambda *a, **k: None)
        with pytest.raises(
            VendorUnavailableError, match="no Bluetooth adapter or proxy"
        ):
            await vendor.async_lock(vendor._lock())


@pytest.mark.usefixtures("enable_bluetooth")
async def test_failed_disconnect_is_ignored(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry
) -> None:
    vendor = init_nuki_ble.runtime_data.vendor
    await vendor.async_lock(vendor._lock())
    client = vendor.connection._client
    client.disconnect = AsyncMock(side_effect=BleakError("gone"))
    await vendor.connection.async_close()
    assert not vendor.connection.connected


async def test_late_answers_of_an_earlier_command_are_dropped() -> None:
    """An answer left over from an abandoned command is not taken for the next one's."""
    first, second = bytes([1]) * 32, bytes([2]) * 32
    client = _Client(
        [
            encode_encrypted(KEY, AUTH_ID, Command.CHALLENGE, first),
            encode_encrypted(KEY, AUTH_ID, Command.CHALLENGE, second),
        ]
    )
    session = NukiBleSession(client, NukiKeys(AUTH_ID, KEY, 1))  # type: ignore[arg-type]
    await session.async_start()
    assert await session.async_challenge() == first
    await asyncio.sleep(0)
    assert await session.async_challenge() == first


async def test_unrelated_messages_before_the_count_are_skipped() -> None:
    answers = [
        encode_encrypted(KEY, AUTH_ID, Command.CHALLENGE, bytes(32)),
        encode_encrypted(KEY, AUTH_ID, Command.KEYTURNER_STATES, bytes(20)),
        encode_encrypted(KEY, AUTH_ID, Command.KEYPAD_CODE_COUNT, struct.pack("<H", 0)),
    ]
    client = _Client([])
    session = NukiBleSession(client, NukiKeys(AUTH_ID, KEY, 1))  # type: ignore[arg-type]
    await session.async_start()

    async def write(_char: str, data: bytes, response: bool = True) -> None:
        _auth, message = decode_encrypted(KEY, data)
        batch = answers[:1] if message.command == Command.REQUEST_DATA else answers[1:]
        for answer in batch:
            client.handler(None, bytearray(answer))

    client.write_gatt_char = write  # type: ignore[method-assign]
    assert await session.async_list_codes(4711) == []


async def test_flow_mixin_needs_the_integrations_check() -> None:
    from custom_components.lockbooking.vendors.nuki_ble.flow import NukiBleFlowMixin

    with pytest.raises(NotImplementedError):
        await NukiBleFlowMixin()._async_identify({})
