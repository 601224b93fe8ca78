"""Code uses read from the Nuki lock's own log over Bluetooth, with the fake lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import struct

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.models import CodeUse, IssuedCode
from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.nuki_ble.log import read_count
from custom_components.lockbooking.vendors.nuki_ble.protocol import NukiProtocolError
from custom_components.lockbooking.vendors.nuki_ble.session import (
    LOG_MAX_PAGES,
    LOG_PAGE_SIZE,
)
from custom_components.lockbooking.vendors.nuki_ble.vendor import NukiBleVendor
from homeassistant.core import HomeAssistant

from .conftest import ARRIVAL, VIENNA, advertise, keypad_plan, the_lock, vendor_of
from .fake_nuki_peer import (
    INVALID_CODE,
    LOG_DOOR_SENSOR,
    LOG_KEYPAD_ACTION,
    MOTOR_BLOCKED,
    REQUEST_LOG_ENTRIES,
    SOURCE_ARROW_KEY,
    SOURCE_CODE,
    SOURCE_FINGERPRINT,
    SUCCESS,
    TRIGGER_AUTO_LOCK,
    TRIGGER_BUTTON,
    TRIGGER_MANUAL,
    TRIGGER_SYSTEM,
    FakeNukiLock,
)

UNLOCK, LOCK, UNLATCH, LOCK_N_GO, LOCK_N_GO_UNLATCH = 1, 2, 3, 4, 5

pytestmark = pytest.mark.usefixtures("enable_bluetooth")


async def issue(entry: MockConfigEntry, guest: str, code: str) -> IssuedCode:
    lock = the_lock(entry)
    return await vendor_of(entry).async_issue_code(lock, keypad_plan(lock), guest, code)


async def uses(entry: MockConfigEntry, since: datetime) -> list[CodeUse]:
    return await vendor_of(entry).async_get_code_uses(the_lock(entry), since)


@pytest.mark.parametrize("action", [UNLOCK, UNLATCH, LOCK_N_GO_UNLATCH])
async def test_code_that_opened_the_lock(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock, action: int
) -> None:
    issued = await issue(init_nuki_ble, "Anna Schmidt", "456789")
    at = datetime(2026, 8, 1, 16, 42, 7, tzinfo=VIENNA)
    nuki_lock.type_code(456789, at, action)
    found = await uses(init_nuki_ble, ARRIVAL)
    assert found == [CodeUse(at=at, vendor_id=issued.vendor_id)]
    # The lock's clock is UTC: 16:42 in Vienna is logged as 14:42.
    assert nuki_lock.log[-1].payload()[4:11] == struct.pack(
        "<HBBBBB", 2026, 8, 1, 14, 42, 7
    )
    assert found[0].at.utcoffset() == timedelta(0)
    assert nuki_lock.received.count(REQUEST_LOG_ENTRIES) == 1


async def test_only_successful_code_openings_count(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    anna = await issue(init_nuki_ble, "Anna Schmidt", "456789")
    berta = await issue(init_nuki_ble, "Berta Meier", "567891")
    assert anna.vendor_id is not None
    code_id = int(anna.vendor_id)
    at = ARRIVAL + timedelta(minutes=5)

    def later(minutes: int) -> datetime:
        return at + timedelta(minutes=minutes)

    nuki_lock.lock_action_by(later(1), UNLOCK, TRIGGER_SYSTEM)  # the app
    nuki_lock.lock_action_by(later(2), UNLATCH, TRIGGER_BUTTON, "")
    nuki_lock.lock_action_by(later(3), UNLOCK, TRIGGER_MANUAL, "")
    nuki_lock.keypad_action(later(4), UNLOCK, SOURCE_FINGERPRINT, SUCCESS, code_id)
    nuki_lock.keypad_action(later(5), LOCK, SOURCE_ARROW_KEY, SUCCESS, 0)
    nuki_lock.type_code(987654, later(6))  # not a code on the lock: refused
    nuki_lock.keypad_action(later(7), UNLOCK, SOURCE_CODE, INVALID_CODE, code_id)
    nuki_lock.keypad_action(later(8), UNLOCK, SOURCE_CODE, MOTOR_BLOCKED, code_id)
    nuki_lock.type_code(456789, later(9), LOCK)  # locking on the way out
    nuki_lock.type_code(456789, later(10), LOCK_N_GO)
    nuki_lock.log_entry(later(11), LOG_DOOR_SENSOR, bytes(5), "")
    nuki_lock.log_entry(later(12), 0x0B, bytes(7), "")  # a type this code predates
    assert await uses(init_nuki_ble, ARRIVAL) == []
    nuki_lock.type_code(567891, later(13))
    advertise(hass, changed=True)  # the bolt moved
    assert await uses(init_nuki_ble, ARRIVAL) == [
        CodeUse(at=later(13), vendor_id=berta.vendor_id)
    ]


async def test_uses_before_since_are_left_out(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    issued = await issue(init_nuki_ble, "Anna Schmidt", "456789")
    first = ARRIVAL + timedelta(minutes=1)
    nuki_lock.type_code(456789, first)
    nuki_lock.type_code(456789, first + timedelta(hours=3))
    # Newest first, as the log is read; the one exactly at `since` counts.
    assert await uses(init_nuki_ble, first) == [
        CodeUse(at=first + timedelta(hours=3), vendor_id=issued.vendor_id),
        CodeUse(at=first, vendor_id=issued.vendor_id),
    ]
    advertise(hass, changed=True)
    assert await uses(init_nuki_ble, first + timedelta(seconds=1)) == [
        CodeUse(at=first + timedelta(hours=3), vendor_id=issued.vendor_id)
    ]


async def test_newest_first_one_page_when_since_is_recent(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """The lock has no date filter: the newest page is read, older ones if needed."""
    issued = await issue(init_nuki_ble, "Anna Schmidt", "456789")
    for minute in range(100):
        nuki_lock.lock_action_by(
            ARRIVAL + timedelta(minutes=minute), LOCK, TRIGGER_AUTO_LOCK
        )
    at = ARRIVAL + timedelta(hours=2)
    nuki_lock.type_code(456789, at)
    found = await uses(init_nuki_ble, ARRIVAL + timedelta(minutes=90))
    assert found == [CodeUse(at=at, vendor_id=issued.vendor_id)]
    assert nuki_lock.log_requests == [(0, LOG_PAGE_SIZE, 1, 1)]


async def test_older_pages_read_back_to_since(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    issued = await issue(init_nuki_ble, "Anna Schmidt", "456789")
    at = ARRIVAL + timedelta(minutes=1)
    nuki_lock.type_code(456789, at)
    for minute in range(2, 2 + 40):
        nuki_lock.lock_action_by(
            ARRIVAL + timedelta(minutes=minute), LOCK, TRIGGER_AUTO_LOCK
        )
    newest = nuki_lock.log[-1].index
    assert await uses(init_nuki_ble, ARRIVAL) == [
        CodeUse(at=at, vendor_id=issued.vendor_id)
    ]
    assert nuki_lock.log_requests == [
        (0, LOG_PAGE_SIZE, 1, 1),
        (newest - LOG_PAGE_SIZE + 1, LOG_PAGE_SIZE, 1, 1),
    ]


async def test_paging_is_bounded(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """A lock used that often since then has its oldest entries left out."""
    await issue(init_nuki_ble, "Anna Schmidt", "456789")
    assert (
        nuki_lock.type_code(456789, ARRIVAL + timedelta(seconds=30)).data[2] == SUCCESS
    )
    for minute in range(1, LOG_PAGE_SIZE * LOG_MAX_PAGES + 1):
        nuki_lock.lock_action_by(
            ARRIVAL + timedelta(minutes=minute), LOCK, TRIGGER_AUTO_LOCK
        )
    assert await uses(init_nuki_ble, ARRIVAL) == []
    assert len(nuki_lock.log_requests) == LOG_MAX_PAGES


async def test_empty_log(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    assert await uses(init_nuki_ble, ARRIVAL) == []
    assert nuki_lock.log_requests == [(0, LOG_PAGE_SIZE, 1, 1)]


@pytest.mark.parametrize(
    ("status", "count"),
    [(False, True), (True, False)],
    ids=["count_without_status", "status_without_count"],
)
async def test_end_of_the_answer(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock, status: bool, count: bool
) -> None:
    """The count announced up front, or else the closing Status, ends a page."""
    nuki_lock.log_status, nuki_lock.log_count = status, count
    issued = await issue(init_nuki_ble, "Anna Schmidt", "456789")
    at = ARRIVAL + timedelta(minutes=1)
    nuki_lock.type_code(456789, at)
    assert await uses(init_nuki_ble, ARRIVAL) == [
        CodeUse(at=at, vendor_id=issued.vendor_id)
    ]


async def test_logging_turned_off(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    await issue(init_nuki_ble, "Anna Schmidt", "456789")
    nuki_lock.type_code(456789, ARRIVAL + timedelta(minutes=1))
    nuki_lock.logging_enabled = False
    with pytest.raises(VendorRejectedError, match="activity log is turned off"):
        await uses(init_nuki_ble, ARRIVAL)


async def test_wrong_pin_is_an_auth_error(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.security_pin = 1234
    with pytest.raises(VendorAuthError):
        await uses(init_nuki_ble, ARRIVAL)
    assert nuki_lock.log_requests == []


async def test_lock_gone_quiet(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.silent_after = REQUEST_LOG_ENTRIES
    with pytest.raises(VendorUnavailableError):
        await uses(init_nuki_ble, ARRIVAL)


async def test_out_of_range(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.in_range = False
    await vendor_of(init_nuki_ble).connection.async_close()
    with pytest.raises(VendorUnavailableError, match="out of range"):
        await uses(init_nuki_ble, ARRIVAL)


async def test_unreadable_entry(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.log_entry(ARRIVAL, LOG_KEYPAD_ACTION, bytes([UNLOCK, SOURCE_CODE]), "")
    with pytest.raises(VendorUnavailableError):
        await uses(init_nuki_ble, ARRIVAL)


def test_short_count_is_unreadable() -> None:
    with pytest.raises(NukiProtocolError):
        read_count(bytes([1, 2]))


async def test_reported_only_with_a_keypad(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    assert the_lock(init_nuki_ble).capabilities.reports_code_use
    nuki_lock.has_keypad = False
    vendor = NukiBleVendor(hass, init_nuki_ble.data)
    [lock] = await vendor.async_get_locks()
    await vendor.async_close()
    assert not lock.capabilities.reports_code_use


async def test_entry_with_an_impossible_date_is_skipped(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """A lock whose clock was never set logs zeros; such an entry has no time."""
    issued = await issue(init_nuki_ble, "Anna Schmidt", "456789")
    nuki_lock.type_code(456789, ARRIVAL + timedelta(minutes=1)).at = None
    at = ARRIVAL + timedelta(minutes=2)
    nuki_lock.type_code(456789, at)
    assert await uses(init_nuki_ble, datetime(2020, 1, 1, tzinfo=UTC)) == [
        CodeUse(at=at, vendor_id=issued.vendor_id)
    ]


async def test_the_log_is_read_only_after_the_beacon_announced_a_change(
    hass: HomeAssistant,
    init_nuki_ble: MockConfigEntry,
    nuki_lock: FakeNukiLock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each read wakes a battery lock: no change announced, no read (for an hour)."""
    issued = await issue(init_nuki_ble, "Anna Schmidt", "456789")
    assert await uses(init_nuki_ble, ARRIVAL) == []
    assert await uses(init_nuki_ble, ARRIVAL) == []
    assert nuki_lock.received.count(REQUEST_LOG_ENTRIES) == 1

    at = ARRIVAL + timedelta(minutes=42)
    nuki_lock.type_code(456789, at)
    advertise(hass, changed=True)
    assert await uses(init_nuki_ble, ARRIVAL) == [
        CodeUse(at=at, vendor_id=issued.vendor_id)
    ]
    assert nuki_lock.received.count(REQUEST_LOG_ENTRIES) == 2

    # A beacon may be missed: the log is read again once the last read is an hour old.
    assert await uses(init_nuki_ble, ARRIVAL) == []
    freezer.tick(timedelta(minutes=61))
    assert await uses(init_nuki_ble, ARRIVAL) == [
        CodeUse(at=at, vendor_id=issued.vendor_id)
    ]
    assert nuki_lock.received.count(REQUEST_LOG_ENTRIES) == 3
