"""The demo's Z-Wave-like keypad: codes in numbered slots, written and cleared."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.models import CodeKind, Lock, SlotRange, Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.core import HomeAssistant

TZ = ZoneInfo("Europe/Vienna")


@pytest.fixture
def vendor(hass: HomeAssistant) -> DemoVendor:
    return DemoVendor(hass, {"kind": "demo"})


async def _locks(vendor: DemoVendor) -> dict[str, Lock]:
    return {lock.id: lock for lock in await vendor.async_get_locks()}


async def test_the_keypad_keeps_codes_in_slots(vendor: DemoVendor) -> None:
    keypad = (await _locks(vendor))["back_door_keypad"]
    assert keypad.slots == SlotRange(10, 10)
    [rules] = keypad.code_rules
    assert (rules.kind, rules.lengths, rules.chosen_code) == (
        CodeKind.KEYPAD,
        (6,),
        True,
    )
    assert "Z-Wave" in keypad.model
    assert keypad.capabilities.remote_control

    assert await vendor.async_slot_holds(keypad, 10, None)
    await vendor.async_write_slot(keypad, 10, "123456")
    await vendor.async_write_slot(keypad, 19, "654321")
    assert await vendor.async_slot_holds(keypad, 10, "123456")
    assert not await vendor.async_slot_holds(keypad, 10, None)
    assert not await vendor.async_slot_holds(keypad, 10, "654321")
    await vendor.async_write_slot(keypad, 10, "111111")  # replaces the slot's code
    assert await vendor.async_slot_holds(keypad, 10, "111111")
    await vendor.async_clear_slot(keypad, 10)
    await vendor.async_clear_slot(keypad, 10)  # an empty slot stays empty
    assert await vendor.async_slot_holds(keypad, 10, None)
    assert await vendor.async_slot_holds(keypad, 19, "654321")


async def test_the_keypad_refuses_other_slots_and_bad_codes(
    vendor: DemoVendor,
) -> None:
    locks = await _locks(vendor)
    keypad = locks["back_door_keypad"]
    for slot in (9, 20, 0):
        with pytest.raises(VendorRejectedError):
            await vendor.async_write_slot(keypad, slot, "123456")
        with pytest.raises(VendorRejectedError):
            await vendor.async_clear_slot(keypad, slot)
        with pytest.raises(VendorRejectedError):
            await vendor.async_slot_holds(keypad, slot, None)
    with pytest.raises(VendorRejectedError):
        await vendor.async_write_slot(keypad, 10, "1234")
    # The other demo locks keep their codes' windows themselves: they have no slots.
    with pytest.raises(VendorRejectedError):
        await vendor.async_write_slot(locks["front_door"], 10, "345678")


async def test_the_keypad_issues_no_windowed_code(vendor: DemoVendor) -> None:
    keypad = (await _locks(vendor))["back_door_keypad"]
    start = datetime(2026, 12, 1, 16, tzinfo=TZ)
    plan = plan_code(
        keypad.code_rules, Window(start, start + timedelta(days=2)), TZ, None
    )
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_issue_code(keypad, plan, "Guest", "123456")


async def test_the_keypad_locks_and_unlocks(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    assert hass.states.get("lock.back_door_keypad").state == "locked"
    await hass.services.async_call(
        "lock", "unlock", {"entity_id": "lock.back_door_keypad"}, blocking=True
    )
    await init_demo.runtime_data.coordinator.async_refresh()
    assert hass.states.get("lock.back_door_keypad").state == "unlocked"
    await hass.services.async_call(
        "lock", "lock", {"entity_id": "lock.back_door_keypad"}, blocking=True
    )
    await init_demo.runtime_data.coordinator.async_refresh()
    assert hass.states.get("lock.back_door_keypad").state == "locked"
    assert hass.states.get("sensor.back_door_keypad_battery").state == "72"
