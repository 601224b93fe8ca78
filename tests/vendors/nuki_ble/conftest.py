"""Fixtures of the Nuki Bluetooth tests: Home Assistant's bluetooth, the fake lock, an entry."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from datetime import datetime
from functools import partial
import inspect
import time
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.models import Lock, PlannedCode, Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.nuki_ble.vendor import NukiBleVendor
from homeassistant.components.bluetooth import (
    BluetoothServiceInfoBleak,
    async_get_advertisement_callback,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_bluetooth
from homeassistant.setup import async_setup_component

from ...conftest import leaked_secrets
from ...helpers import lock_of, vendor_of as any_vendor_of
from .fake_nuki_peer import FakeNukiLock, FakeRadio

ADDRESS = "C8:2A:1B:3C:4D:5E"
PAIRING_SERVICE = "a92ee100-5501-11e4-916c-0800200c9a66"
KEYTURNER_SERVICE = "a92ee200-5501-11e4-916c-0800200c9a66"
# An iBeacon with the keyturner service's UUID; the last byte's lowest bit: "changed".
BEACON = (
    bytes([0x02, 0x15]) + bytes.fromhex("a92ee200550111e4916c0800200c9a66") + bytes(4)
)
PIN = 4711
CONNECTION = "custom_components.lockbooking.vendors.nuki_ble.connection"
FRONT = "2A1B3C4D"  # the fake lock's id
VIENNA = ZoneInfo("Europe/Vienna")
ARRIVAL = datetime(2026, 8, 1, 15, 0, tzinfo=VIENNA)
DEPARTURE = datetime(2026, 8, 5, 11, 0, tzinfo=VIENNA)

vendor_of = partial(any_vendor_of, kind=NukiBleVendor)


def the_lock(entry: MockConfigEntry) -> Lock:
    """The fake lock, as the entry's coordinator last read it."""
    return lock_of(entry, FRONT)


def keypad_plan(lock: Lock) -> PlannedCode:
    """The lock's plan for a stay from ARRIVAL to DEPARTURE."""
    return plan_code(lock.code_rules, Window(ARRIVAL, DEPARTURE), VIENNA)


def ble_device(address: str = ADDRESS, name: str = "Nuki_2A1B3C4D") -> BLEDevice:
    """A BLEDevice on every bleak release (bleak 1.0 dropped `rssi`)."""
    if "rssi" in inspect.signature(BLEDevice.__init__).parameters:
        return BLEDevice(address, name, None, -60)
    return BLEDevice(address, name, None)


def advertise(
    hass: HomeAssistant,
    *,
    address: str = ADDRESS,
    pairing: bool = False,
    changed: bool = False,
    name: str = "Nuki_2A1B3C4D",
    connectable: bool = True,
    manufacturer_data: dict[int, bytes] | None = None,
    service_uuids: list[str] | None = None,
) -> BluetoothServiceInfoBleak:
    """Let Home Assistant hear the lock (as a local adapter would)."""
    beacon = BEACON + bytes([0xC4 | int(changed)])
    manufacturer = {76: beacon} if manufacturer_data is None else manufacturer_data
    service_data = {PAIRING_SERVICE: b"\x00"} if pairing else {}
    service_uuids = [KEYTURNER_SERVICE] if service_uuids is None else service_uuids
    advertisement = AdvertisementData(
        local_name=name,
        manufacturer_data=manufacturer,
        service_data=service_data,
        service_uuids=service_uuids,
        tx_power=-127,
        rssi=-60,
        platform_data=(),
    )
    info = BluetoothServiceInfoBleak(
        name=name,
        address=address,
        rssi=-60,
        manufacturer_data=manufacturer,
        service_data=service_data,
        service_uuids=service_uuids,
        source="00:00:00:00:00:01",
        device=ble_device(address, name),
        advertisement=advertisement,
        connectable=connectable,
        time=time.monotonic(),
        tx_power=-127,
    )
    async_get_advertisement_callback(hass)(info)
    return info


@pytest.fixture
async def enable_bluetooth(
    hass: HomeAssistant, mock_bluetooth: None
) -> AsyncGenerator[None]:
    """Home Assistant's bluetooth integration with one (mocked) adapter.

    Only lockbooking's matchers are kept: the lock's iBeacon would otherwise start
    core's `ibeacon` flow, whose library the test environments do not have.
    """

    async def only_ours(hass: HomeAssistant) -> list[dict[str, Any]]:
        return [m for m in await async_get_bluetooth(hass) if m["domain"] == DOMAIN]

    entry = MockConfigEntry(domain="bluetooth", unique_id="00:00:00:00:00:01")
    entry.add_to_hass(hass)
    with patch("homeassistant.components.bluetooth.async_get_bluetooth", only_ours):
        assert await async_setup_component(hass, "bluetooth", {})
        await hass.async_block_till_done()
    yield
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
def nuki_lock() -> FakeNukiLock:
    """The lock, not in pairing mode, with a keypad and no codes."""
    return FakeNukiLock(security_pin=PIN)


@pytest.fixture
def radio(nuki_lock: FakeNukiLock) -> Generator[FakeRadio]:
    """Connections go to the fake lock, through the vendor's own seam."""
    fake = FakeRadio(nuki_lock)
    with (
        patch(f"{CONNECTION}.establish_connection", fake.establish_connection),
        patch(
            "custom_components.lockbooking.vendors.nuki_ble.session.RESPONSE_TIMEOUT",
            0.5,
        ),
    ):
        yield fake


@pytest.fixture
def entry_data(nuki_lock: FakeNukiLock) -> dict[str, Any]:
    """A paired entry's data."""
    auth_id, key, app_id = nuki_lock.authorize()
    return {
        "kind": "nuki_ble",
        "address": ADDRESS,
        "auth_id": auth_id.hex(),
        "shared_key": key.hex(),
        "app_id": app_id,
        "security_pin": str(PIN),
    }


@pytest.fixture
def nuki_ble_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Nuki Front door",
        data=entry_data,
        unique_id=ADDRESS,
        entry_id="01JNUKIBLE0000000000000000",
    )


@pytest.fixture
async def init_nuki_ble(
    hass: HomeAssistant,
    enable_bluetooth: None,
    radio: FakeRadio,
    nuki_ble_entry: MockConfigEntry,
) -> AsyncGenerator[MockConfigEntry]:
    """The entry set up, the lock in range."""
    nuki_ble_entry.add_to_hass(hass)
    advertise(hass)
    assert await hass.config_entries.async_setup(nuki_ble_entry.entry_id)
    await hass.async_block_till_done()
    yield nuki_ble_entry
    await hass.async_block_till_done()
    if nuki_ble_entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(nuki_ble_entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture(autouse=True)
def no_keys_in_logs(
    caplog: pytest.LogCaptureFixture, nuki_lock: FakeNukiLock
) -> Generator[None]:
    """Fail a test whose logs show the security PIN, a shared key or a keypad code."""
    yield
    keys = nuki_lock.authorizations.values()
    secrets = (
        {str(PIN)} | {key.hex() for key in keys} | {repr(key)[2:-1] for key in keys}
    )
    secrets |= {str(code.code) for code in nuki_lock.codes.values()}
    records = [
        r for phase in ("setup", "call", "teardown") for r in caplog.get_records(phase)
    ]
    leaks = leaked_secrets(records, secrets)
    assert not leaks, leaks
