"""The Nuki Bluetooth vendor against the fake lock: state, actions, keypad codes, links."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.lockbooking.models import (
    CodeKind,
    IssuedCode,
    LockState,
    Window,
)
from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.nuki_ble.connection import IDLE_DISCONNECT
from custom_components.lockbooking.vendors.nuki_ble.vendor import NukiBleVendor
from custom_components.lockbooking.vendors.nuki_common import NUKI_KEYPAD
from homeassistant.core import HomeAssistant

from .conftest import (
    ARRIVAL,
    DEPARTURE,
    FRONT,
    advertise,
    keypad_plan,
    the_lock,
    vendor_of,
)
from .fake_nuki_peer import (
    ADD_KEYPAD_CODE,
    K_ERROR_MOTOR_BLOCKED,
    LOCK_ACTION,
    LOCKED,
    REMOVE_KEYPAD_CODE,
    UNLATCHED,
    UNLOCKED,
    FakeNukiLock,
    FakeRadio,
)

pytestmark = pytest.mark.usefixtures("enable_bluetooth")


async def test_lock_read_over_bluetooth(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    lock = the_lock(init_nuki_ble)
    assert (lock.id, lock.name, lock.model, lock.sw_version) == (
        FRONT,
        "Front door",
        "Smart Lock (Bluetooth)",
        "3.3.8",
    )
    assert lock.code_rules == (NUKI_KEYPAD,)
    assert lock.status.state is LockState.LOCKED
    assert (lock.status.battery_level, lock.status.battery_critical) == (84, False)
    assert lock.capabilities.open


@pytest.mark.parametrize(
    ("door_state", "has_sensor", "door_open"),
    [
        (2, True, False),
        (3, True, True),
        (4, True, None),
        (1, False, None),
        (0, False, None),
    ],
)
async def test_door_sensor_read_from_the_lock(
    hass: HomeAssistant,
    init_nuki_ble: MockConfigEntry,
    nuki_lock: FakeNukiLock,
    door_state: int,
    has_sensor: bool,
    door_open: bool | None,
) -> None:
    nuki_lock.door_state = door_state
    vendor = NukiBleVendor(hass, init_nuki_ble.data)
    [lock] = await vendor.async_get_locks()
    await vendor.async_close()
    assert lock.capabilities.door_sensor is has_sensor
    assert lock.status.door_open is door_open


async def test_lock_without_keypad_takes_no_codes(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.has_keypad = False
    vendor = NukiBleVendor(hass, init_nuki_ble.data)
    [lock] = await vendor.async_get_locks()
    await vendor.async_close()
    assert lock.code_rules == ()
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_issue_code(
            lock, keypad_plan(the_lock(init_nuki_ble)), "Meier", None
        )


@pytest.mark.parametrize(
    ("method", "state"),
    [("async_lock", LOCKED), ("async_unlock", UNLOCKED), ("async_open", UNLATCHED)],
)
async def test_actions(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock, method: str, state: int
) -> None:
    nuki_lock.lock_state = 4  # locking: whatever it was, the action decides
    await getattr(vendor_of(init_nuki_ble), method)(the_lock(init_nuki_ble))
    assert nuki_lock.lock_state == state
    assert LOCK_ACTION in nuki_lock.received


async def test_motor_blocked_is_rejected(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.fail_with[LOCK_ACTION] = K_ERROR_MOTOR_BLOCKED
    with pytest.raises(VendorRejectedError, match="motor is blocked"):
        await vendor_of(init_nuki_ble).async_lock(the_lock(init_nuki_ble))


async def test_issue_list_revoke(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    vendor, lock = vendor_of(init_nuki_ble), the_lock(init_nuki_ble)
    plan = keypad_plan(lock)
    issued = await vendor.async_issue_code(lock, plan, "Anna Schmidt", "456789")
    [stored] = nuki_lock.codes.values()
    assert (stored.code, stored.name) == (456789, "LB Anna Schmidt")
    assert (stored.start, stored.end) == (
        datetime(2026, 8, 1, 13, 0, tzinfo=UTC),
        datetime(2026, 8, 5, 9, 0, tzinfo=UTC),
    )
    assert issued == IssuedCode(
        lock_id=FRONT,
        kind=CodeKind.KEYPAD,
        code="456789",
        window=plan.window,
        vendor_id=str(stored.code_id),
        revocable=True,
    )
    found = await vendor.async_find_codes(
        lock, "Anna Schmidt", plan.window, CodeKind.KEYPAD
    )
    assert [(f.vendor_id, f.code) for f in found] == [(issued.vendor_id, "456789")]
    await vendor.async_revoke_code(lock, issued)
    assert nuki_lock.codes == {}
    # Revoking again is a no-op: the code is gone.
    await vendor.async_revoke_code(lock, issued)
    assert nuki_lock.received.count(REMOVE_KEYPAD_CODE) == 1


async def test_generated_code_follows_the_rules_and_avoids_taken_ones(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    vendor, lock = vendor_of(init_nuki_ble), the_lock(init_nuki_ble)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    for code in range(345671, 345679):
        nuki_lock.add_code(code, "Other", start, end)
    with patch(
        "custom_components.lockbooking.planner.secrets.choice",
        side_effect=list("34567") * 2 + list("345671") + list("913579"),
    ) as choice:
        issued = await vendor.async_issue_code(lock, keypad_plan(lock), "Meier", None)
    assert choice.called
    assert issued.code not in {str(c) for c in range(345671, 345679)}
    assert len(issued.code) == 6
    assert "0" not in issued.code
    assert not issued.code.startswith("12")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("123456", 'must not start with "12"'),
        ("456709", "only the digits 1 to 9"),
        ("45678", "exactly 6 digits"),
    ],
)
async def test_chosen_code_checked_before_sending(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock, code: str, message: str
) -> None:
    lock = the_lock(init_nuki_ble)
    with pytest.raises(VendorRejectedError, match=message):
        await vendor_of(init_nuki_ble).async_issue_code(
            lock, keypad_plan(lock), "M", code
        )
    assert ADD_KEYPAD_CODE not in nuki_lock.received


async def test_code_taken_on_the_lock_is_refused(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.add_code(
        456789,
        "Someone",
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 9, 1, tzinfo=UTC),
    )
    lock = the_lock(init_nuki_ble)
    with pytest.raises(VendorRejectedError, match="already in use"):
        await vendor_of(init_nuki_ble).async_issue_code(
            lock, keypad_plan(lock), "M", "456789"
        )
    assert ADD_KEYPAD_CODE not in nuki_lock.received


async def test_lock_refusing_a_duplicate_is_translated(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """The lock's own check (a code added between the listing and the add)."""
    lock = the_lock(init_nuki_ble)
    from .fake_nuki_peer import K_ERROR_CODE_ALREADY_EXISTS

    nuki_lock.fail_with[ADD_KEYPAD_CODE] = K_ERROR_CODE_ALREADY_EXISTS
    with pytest.raises(VendorRejectedError, match="already exists"):
        await vendor_of(init_nuki_ble).async_issue_code(
            lock, keypad_plan(lock), "M", "456789"
        )


async def test_wrong_pin_is_an_auth_error(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.security_pin = 1234
    lock = the_lock(init_nuki_ble)
    with pytest.raises(VendorAuthError):
        await vendor_of(init_nuki_ble).async_issue_code(
            lock, keypad_plan(lock), "M", "456789"
        )
    assert nuki_lock.codes == {}


async def test_interrupted_add_is_found_not_repeated(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """The lock stored the code, the answer was lost: listing finds it by name and window."""
    vendor, lock = vendor_of(init_nuki_ble), the_lock(init_nuki_ble)
    plan = keypad_plan(lock)
    nuki_lock.silent_after = ADD_KEYPAD_CODE
    with pytest.raises(VendorUnavailableError) as raised:
        await vendor.async_issue_code(lock, plan, "Anna Schmidt", "456789")
    assert not raised.value.unprocessed
    [stored] = nuki_lock.codes.values()
    found = await vendor.async_find_codes(
        lock, "Anna Schmidt", plan.window, CodeKind.KEYPAD
    )
    assert [(f.vendor_id, f.code) for f in found] == [(str(stored.code_id), "456789")]
    other = Window(plan.window.start, plan.window.end + timedelta(days=1))
    assert (
        await vendor.async_find_codes(lock, "Anna Schmidt", other, CodeKind.KEYPAD)
        == []
    )
    assert (
        await vendor.async_find_codes(lock, "Berta", plan.window, CodeKind.KEYPAD) == []
    )


async def test_revoke_keeps_a_reused_id(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """An id that now belongs to another code is not removed."""
    lock = the_lock(init_nuki_ble)
    code_id = nuki_lock.add_code(567891, "LB Other", ARRIVAL, DEPARTURE)
    issued = IssuedCode(
        FRONT, CodeKind.KEYPAD, "456789", Window(ARRIVAL, DEPARTURE), str(code_id)
    )
    await vendor_of(init_nuki_ble).async_revoke_code(lock, issued)
    assert code_id in nuki_lock.codes


async def test_revoke_without_id_finds_the_code(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    lock = the_lock(init_nuki_ble)
    nuki_lock.add_code(567891, "LB Other", ARRIVAL, DEPARTURE)
    nuki_lock.add_code(456789, "LB Meier", ARRIVAL, DEPARTURE)
    issued = IssuedCode(
        FRONT, CodeKind.KEYPAD, "456789", Window(ARRIVAL, DEPARTURE), None
    )
    await vendor_of(init_nuki_ble).async_revoke_code(lock, issued)
    assert [c.code for c in nuki_lock.codes.values()] == [567891]


async def test_many_codes_are_read_in_pages(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    for index in range(60):
        nuki_lock.add_code(
            int(f"3{index:05d}".replace("0", "5")), f"G{index}", ARRIVAL, DEPARTURE
        )
    lock = the_lock(init_nuki_ble)
    found = await vendor_of(init_nuki_ble).async_find_codes(
        lock, "G", Window(ARRIVAL, DEPARTURE), CodeKind.KEYPAD
    )
    assert found == []
    async with vendor_of(init_nuki_ble).connection.async_session() as session:
        entries = await session.async_list_codes(4711)
    assert len(entries) == 60


async def test_one_operation_at_a_time(
    init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """Two operations at once would void each other's challenge (one nonce per lock)."""
    vendor, lock = vendor_of(init_nuki_ble), the_lock(init_nuki_ble)
    plan = keypad_plan(lock)
    await asyncio.gather(
        vendor.async_issue_code(lock, plan, "Anna", "456789"),
        vendor.async_lock(lock),
        vendor.async_issue_code(lock, plan, "Berta", "567891"),
    )
    assert sorted(c.code for c in nuki_lock.codes.values()) == [456789, 567891]


async def test_disconnects_when_idle(
    hass: HomeAssistant,
    init_nuki_ble: MockConfigEntry,
    nuki_lock: FakeNukiLock,
    radio: FakeRadio,
    freezer: FrozenDateTimeFactory,
) -> None:
    vendor = vendor_of(init_nuki_ble)
    await vendor.async_lock(the_lock(init_nuki_ble))
    await vendor.async_unlock(the_lock(init_nuki_ble))
    assert nuki_lock.connections == 1  # the second action reused the link
    assert vendor.connection.connected
    freezer.tick(timedelta(seconds=IDLE_DISCONNECT + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert not vendor.connection.connected
    assert not radio.clients[-1].is_connected


async def test_out_of_range(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.in_range = False
    vendor = vendor_of(init_nuki_ble)
    await vendor.connection.async_close()
    with pytest.raises(VendorUnavailableError, match="out of range"):
        await vendor.async_lock(the_lock(init_nuki_ble))


async def test_never_heard(
    hass: HomeAssistant, radio: FakeRadio, entry_data: dict[str, Any]
) -> None:
    vendor = NukiBleVendor(hass, entry_data)
    with pytest.raises(VendorUnavailableError, match="no Bluetooth adapter or proxy"):
        await vendor.async_get_locks()
    await vendor.async_close()


async def test_state_from_advertisements(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """The lock is only connected to when its beacon says its state changed."""
    vendor = vendor_of(init_nuki_ble)
    await vendor.connection.async_close()
    before = nuki_lock.connections
    nuki_lock.lock_state = UNLOCKED
    [lock] = await vendor.async_get_locks()
    assert (lock.status.state, nuki_lock.connections) == (LockState.LOCKED, before)
    advertise(hass, changed=True)
    [lock] = await vendor.async_get_locks()
    assert (lock.status.state, nuki_lock.connections) == (
        LockState.UNLOCKED,
        before + 1,
    )
