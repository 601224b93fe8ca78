"""Guest arrival end to end with Nuki over Bluetooth: the code typed, read from the lock's log.

The vendor is the real one; the lock is the fake Bluetooth peer, which keeps its own
log and speaks the Nuki BLE API. A read of that log is one or more Request Log Entries
commands to the lock, counted in `nuki_lock.received`.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from habluetooth import scanner
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.ledger import LEDGER
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..helpers import lock_device
from ..vendors.nuki_ble import conftest as nuki_ble
from ..vendors.nuki_ble.fake_nuki_peer import (
    INVALID_CODE,
    MOTOR_BLOCKED,
    REQUEST_LOG_ENTRIES,
    SOURCE_CODE,
    SUCCESS,
    TRIGGER_BUTTON,
    TRIGGER_MANUAL,
    TRIGGER_SYSTEM,
    FakeNukiLock,
)
from .conftest import FIRST_UID, setup_seaside_flat

# The Nuki Bluetooth fixtures live in that folder's conftest: use them here too.
enable_bluetooth = nuki_ble.enable_bluetooth
nuki_lock = nuki_ble.nuki_lock
radio = nuki_ble.radio
entry_data = nuki_ble.entry_data
nuki_ble_entry = nuki_ble.nuki_ble_entry
init_nuki_ble = nuki_ble.init_nuki_ble
no_keys_in_logs = nuki_ble.no_keys_in_logs

ARRIVED = "lockbooking_guest_arrived"
NOT_ARRIVED = "lockbooking_guest_not_arrived"
LOCK_KEY = f"{nuki_ble.ADDRESS}:2A1B3C4D"
VIENNA = dt_util.get_time_zone("Europe/Vienna")
UNLOCK, LOCK, UNLATCH = 1, 2, 3


@pytest.fixture(autouse=True)
def heard_all_along(hass: HomeAssistant, enable_bluetooth: None) -> Generator[None]:
    """The adapter hears the lock all along, so hours passing do not drop it as gone."""
    info = nuki_ble.advertise(hass)
    with patch.object(
        scanner.OriginalBleakScanner,
        "discovered_devices_and_advertisement_data",
        new_callable=PropertyMock,
        return_value={nuki_ble.ADDRESS: (info.device, info.advertisement)},
    ):
        yield


def _local(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, second, tzinfo=VIENNA)


async def _setup(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """A reservations entry on the Nuki; the first stay's code is issued on the lock."""
    return await setup_seaside_flat(
        hass, aioclient_mock, "01JARRIVALSNUKIBLE00000000", [LOCK_KEY], options
    )


async def _at(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    moment: datetime,
    changed: bool = False,
) -> None:
    """Move on; the lock advertises (announcing a change or not) as it does all the time.

    Home Assistant passes on only a beacon that differs from the last one; the real lock
    clears its flag once read and sets it again at the next change, so a change is
    announced here as the quiet beacon followed by the flagged one.
    """
    freezer.move_to(moment)
    if changed:
        nuki_ble.advertise(hass)
    nuki_ble.advertise(hass, changed=changed)
    async_fire_time_changed(hass)
    # The lock's refresh and the log read run as background tasks: let them finish
    # before time moves again, or their Bluetooth timeouts would fire mid-answer.
    await hass.async_block_till_done(wait_background_tasks=True)


def _guest_code(hass: HomeAssistant, nuki_lock: FakeNukiLock) -> tuple[int, int]:
    """The stay's code as the lock stores it: its digits and its id (the ledger's vendor_id)."""
    record = hass.data[LEDGER].get(FIRST_UID, LOCK_KEY)
    assert record.status is CodeStatus.ISSUED
    stored = nuki_lock.codes[int(record.vendor_id)]
    assert str(stored.code) == record.code
    return stored.code, stored.code_id


def _reads(nuki_lock: FakeNukiLock) -> int:
    return nuki_lock.received.count(REQUEST_LOG_ENTRIES)


def _log_the_day(nuki_lock: FakeNukiLock, code: int, code_id: int) -> None:
    """The lock's log on check-in day: the guest's opening among what else happened."""
    cleaner = nuki_lock.add_code(246813, "Cleaner", _local(1, 0, 0), _local(31, 0, 0))
    nuki_lock.keypad_action(
        _local(24, 15, 30), UNLOCK, SOURCE_CODE, SUCCESS, code_id
    )  # before the window
    nuki_lock.type_code(246813, _local(24, 16, 10))  # the cleaner's own code
    nuki_lock.lock_action_by(
        _local(24, 16, 15), UNLOCK, TRIGGER_SYSTEM
    )  # the host's app
    nuki_lock.lock_action_by(_local(24, 16, 20), UNLATCH, TRIGGER_MANUAL, "")  # by hand
    nuki_lock.lock_action_by(_local(24, 16, 25), UNLOCK, TRIGGER_BUTTON, "")
    nuki_lock.type_code(987654, _local(24, 16, 30))  # a wrong code: refused
    nuki_lock.keypad_action(
        _local(24, 16, 35), UNLOCK, SOURCE_CODE, INVALID_CODE, code_id
    )
    nuki_lock.keypad_action(
        _local(24, 16, 38), UNLOCK, SOURCE_CODE, MOTOR_BLOCKED, code_id
    )
    nuki_lock.type_code(code, _local(24, 16, 42, 7), UNLATCH)  # the guest is in
    nuki_lock.type_code(code, _local(24, 16, 44), LOCK)  # and locks behind them
    nuki_lock.type_code(246813, _local(24, 18, 0))
    assert cleaner != code_id


async def test_arrival_is_found_once_and_the_log_left_alone(
    hass: HomeAssistant,
    init_nuki_ble: MockConfigEntry,
    nuki_lock: FakeNukiLock,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    entry = await _setup(hass, aioclient_mock)
    code, code_id = _guest_code(hass, nuki_lock)

    await _at(hass, freezer, _local(24, 15, 55))
    assert _reads(nuki_lock) == 0  # the window has not begun
    await _at(hass, freezer, _local(24, 16, 1))
    assert _reads(nuki_lock) == 1  # the first read, with nothing in the log
    await _at(hass, freezer, _local(24, 16, 7))
    assert _reads(nuki_lock) == 1  # no change announced: the lock is not woken

    _log_the_day(nuki_lock, code, code_id)
    await _at(hass, freezer, _local(24, 16, 50), changed=True)

    [event] = arrived
    assert event.data["uid"] == FIRST_UID
    assert event.data["entry_id"] == entry.entry_id
    assert event.data["lock"] == "Front door"
    assert "lock_key" not in event.data
    device = lock_device(hass, LOCK_KEY)
    assert event.data["device_id"] == device.id
    assert event.data["code_kind"] == "keypad"
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 14, 42, 7, tzinfo=UTC
    )
    description = hass.states.get("calendar.seaside_flat").attributes["description"]
    assert "Guest arrived 16:42" in description
    assert "Front door: issued, 24 Aug 16:00 to 02 Sep 11:00, used 16:42" in description
    assert hass.data[LEDGER].get(FIRST_UID, LOCK_KEY).used_at is not None
    reads = _reads(nuki_lock)

    # The guest comes and goes, the beacon says so; the entry is reloaded: the lock's
    # log is not read again and no second arrival is announced.
    for minute in (0, 10, 20):
        nuki_lock.type_code(code, _local(24, 17, minute))
        await _at(hass, freezer, _local(24, 17, minute + 6), changed=True)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    for hour in (18, 19, 21):
        await _at(hass, freezer, _local(24, hour, 0), changed=True)
    assert len(arrived) == 1
    assert _reads(nuki_lock) == reads


async def test_a_failed_log_read_is_tried_again_on_the_next_tick(
    hass: HomeAssistant,
    init_nuki_ble: MockConfigEntry,
    nuki_lock: FakeNukiLock,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The lock answers the log request with K_ERROR_BUSY once (a lock gone silent
    mid-read is the vendor tests' case: its timeout needs the clock to run)."""
    arrived = async_capture_events(hass, ARRIVED)
    await _setup(hass, aioclient_mock)
    code, code_id = _guest_code(hass, nuki_lock)
    _log_the_day(nuki_lock, code, code_id)
    nuki_lock.fail_with = {REQUEST_LOG_ENTRIES: 0x45}

    await _at(hass, freezer, _local(24, 16, 50), changed=True)
    assert arrived == []
    assert _reads(nuki_lock) == 1
    # No new change announced: read again all the same, since the last read failed.
    await _at(hass, freezer, _local(24, 16, 56))

    [event] = arrived
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 14, 42, 7, tzinfo=UTC
    )
    assert _reads(nuki_lock) >= 2
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("custom_components") and r.levelno >= 30
    ]


async def test_not_arrived_warning_then_the_guest_arrives(
    hass: HomeAssistant,
    init_nuki_ble: MockConfigEntry,
    nuki_lock: FakeNukiLock,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    warned = async_capture_events(hass, NOT_ARRIVED)
    arrived = async_capture_events(hass, ARRIVED)
    entry = await _setup(
        hass, aioclient_mock, {"not_arrived_warning": "all", "not_arrived_hours": 4}
    )
    code, code_id = _guest_code(hass, nuki_lock)
    issue_id = f"not_arrived_{entry.entry_id}_{FIRST_UID}"
    issues = ir.async_get(hass)
    # Everything but the guest's opening.
    nuki_lock.lock_action_by(_local(24, 16, 15), UNLOCK, TRIGGER_SYSTEM)
    nuki_lock.type_code(987654, _local(24, 17, 30))
    nuki_lock.keypad_action(
        _local(24, 18, 0), UNLOCK, SOURCE_CODE, INVALID_CODE, code_id
    )

    await _at(hass, freezer, _local(24, 16, 5), changed=True)
    await _at(hass, freezer, _local(24, 19, 55), changed=True)
    assert warned == []
    assert issues.async_get_issue("lockbooking", issue_id) is None
    await _at(hass, freezer, _local(24, 20, 1))

    [event] = warned
    assert event.data["uid"] == FIRST_UID
    assert event.data["locks"] == ["Front door"]
    assert event.data["first_use_deadline"] is None
    issue = issues.async_get_issue("lockbooking", issue_id)
    assert issue is not None
    assert issue.translation_key == "guest_not_arrived"
    await _at(hass, freezer, _local(24, 20, 30), changed=True)
    assert len(warned) == 1
    assert arrived == []

    nuki_lock.type_code(code, _local(24, 20, 40, 30))
    await _at(hass, freezer, _local(24, 20, 45), changed=True)
    [event] = arrived
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 18, 40, 30, tzinfo=UTC
    )
    assert issues.async_get_issue("lockbooking", issue_id) is None
    assert len(warned) == 1
