"""The demo vendor moves a code's window in place, keeping its digits (issue 20, build 5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.lockbooking.models import Lock, Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.core import HomeAssistant

TZ = ZoneInfo("Europe/Vienna")
STAY = Window(
    datetime(2026, 12, 1, 16, tzinfo=TZ), datetime(2026, 12, 5, 11, tzinfo=TZ)
)
LONGER = Window(STAY.start, datetime(2026, 12, 8, 11, tzinfo=TZ))


@pytest.fixture
def vendor(hass: HomeAssistant) -> DemoVendor:
    return DemoVendor(hass, {"kind": "demo"})


async def _locks(vendor: DemoVendor) -> dict[str, Lock]:
    return {lock.id: lock for lock in await vendor.async_get_locks()}


@pytest.mark.parametrize("lock_id", ["front_door", "garden_gate"])
async def test_window_moves_and_digits_stay(vendor: DemoVendor, lock_id: str) -> None:
    lock = (await _locks(vendor))[lock_id]
    issued = await vendor.async_issue_code(
        lock, plan_code(lock.code_rules, STAY, TZ), "Anna", None
    )
    assert vendor.updates_window_in_place
    plan = plan_code(lock.code_rules, LONGER, TZ)
    moved = await vendor.async_update_code_window(lock, issued, plan)
    assert moved == replace(issued, window=LONGER, notes=plan.notes)
    found = await vendor.async_find_codes(lock, "Anna", LONGER, issued.kind)
    assert [code.code for code in found or []] == [issued.code]


async def test_algopin_cannot_move(vendor: DemoVendor) -> None:
    cabin = (await _locks(vendor))["cabin"]
    issued = await vendor.async_issue_code(
        cabin, plan_code(cabin.code_rules, STAY, TZ), "Anna", None
    )
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_update_code_window(
            cabin, issued, plan_code(cabin.code_rules, LONGER, TZ)
        )


async def test_code_gone_cannot_move(vendor: DemoVendor) -> None:
    lock = (await _locks(vendor))["front_door"]
    plan = plan_code(lock.code_rules, STAY, TZ)
    issued = await vendor.async_issue_code(lock, plan, "Anna", None)
    await vendor.async_revoke_code(lock, issued)
    with pytest.raises(VendorRejectedError):
        await vendor.async_update_code_window(lock, issued, plan)


async def test_two_stays_same_window_get_different_algopins(vendor: DemoVendor) -> None:
    cabin = (await _locks(vendor))["cabin"]
    plan = plan_code(cabin.code_rules, STAY, TZ)
    first = await vendor.async_issue_code(cabin, plan, "Anna", None)
    again = await vendor.async_issue_code(cabin, plan, "Anna", None)
    second = await vendor.async_issue_code(
        cabin, replace(plan, taken=frozenset({first.code})), "Ben", None
    )
    assert again.code == first.code
    assert second.code != first.code
    third = await vendor.async_issue_code(
        cabin, replace(plan, taken=frozenset({first.code, second.code})), "Cy", None
    )
    assert len({first.code, second.code, third.code}) == 3
