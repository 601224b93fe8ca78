"""The demo vendor: batteries, codes and the rules it shares with the real vendors."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.lockbooking.models import CodeKind, Lock, Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant

TZ = ZoneInfo("Europe/Vienna")


@pytest.fixture
def vendor(hass: HomeAssistant) -> DemoVendor:
    return DemoVendor(hass, {"kind": "demo"})


async def _locks(vendor: DemoVendor) -> dict[str, Lock]:
    return {lock.id: lock for lock in await vendor.async_get_locks()}


def _window(start: str, end: str) -> Window:
    return Window(
        datetime.fromisoformat(start).replace(tzinfo=TZ),
        datetime.fromisoformat(end).replace(tzinfo=TZ),
    )


async def test_batteries_drain_slowly(
    hass: HomeAssistant, init_demo: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    for days, front, cabin in ((40, "77", "54"), (240, "17", "5"), (400, "5", "5")):
        freezer.tick(timedelta(days=days))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert hass.states.get("sensor.front_door_battery").state == front
        assert hass.states.get("sensor.cabin_battery").state == cabin
    assert (
        hass.states.get("binary_sensor.front_door_battery_critical").state == STATE_ON
    )


async def test_algopin_is_deterministic_and_not_revocable(vendor: DemoVendor) -> None:
    cabin = (await _locks(vendor))["cabin"]
    plan = plan_code(
        cabin.code_rules, _window("2026-12-01 15:20", "2026-12-01 17:20"), TZ
    )
    first = await vendor.async_issue_code(cabin, plan, "Guest", None)
    again = await vendor.async_issue_code(cabin, plan, "Guest", None)
    assert first.kind is CodeKind.ALGOPIN_HOURLY
    assert first.code == again.code
    assert len(first.code) == 9
    assert first.window == plan.window
    assert not first.revocable
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_revoke_code(cabin, first)


async def test_keypad_codes(vendor: DemoVendor) -> None:
    front = (await _locks(vendor))["front_door"]
    plan = plan_code(
        front.code_rules, _window("2026-12-01 16:00", "2026-12-05 11:00"), TZ
    )
    generated = await vendor.async_issue_code(front, plan, "Guest", None)
    assert len(generated.code) == 6
    assert set(generated.code) <= set("123456789")
    assert not generated.code.startswith("12")
    chosen = await vendor.async_issue_code(front, plan, "Guest", "345678")
    assert chosen.code == "345678"
    with pytest.raises(VendorRejectedError):
        await vendor.async_issue_code(front, plan, "Guest", "345678")
    with pytest.raises(VendorRejectedError, match="code_prefix"):
        await vendor.async_issue_code(front, plan, "Guest", "123456")
    await vendor.async_revoke_code(front, chosen)
    assert (
        await vendor.async_issue_code(front, plan, "Guest", "345678")
    ).code == "345678"


async def test_visitor_pin(vendor: DemoVendor) -> None:
    gate = (await _locks(vendor))["garden_gate"]
    plan = plan_code(
        gate.code_rules, _window("2026-12-01 16:00", "2026-12-05 11:00"), TZ
    )
    issued = await vendor.async_issue_code(gate, plan, "Guest", None)
    assert issued.kind is CodeKind.VISITOR_PIN
    assert len(issued.code) == 6


async def test_a_code_issued_after_a_revoke_gets_an_id_of_its_own(
    vendor: DemoVendor,
) -> None:
    front = (await _locks(vendor))["front_door"]
    plan = plan_code(
        front.code_rules, _window("2026-12-01 16:00", "2026-12-03 11:00"), TZ
    )
    first = await vendor.async_issue_code(front, plan, "Ann", None)
    second = await vendor.async_issue_code(front, plan, "Bob", None)
    await vendor.async_revoke_code(front, first)
    third = await vendor.async_issue_code(front, plan, "Cy", None)

    assert len({first.vendor_id, second.vendor_id, third.vendor_id}) == 3
    found = await vendor.async_find_codes(front, "Bob", plan.window, plan.kind)
    assert [code.code for code in found] == [second.code]
