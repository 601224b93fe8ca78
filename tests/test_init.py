"""Setting up and unloading an account, and keeping its devices in step with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.lockbooking.models import Lock
from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .helpers import lock_device


async def test_setup_and_unload(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    assert init_demo.state is ConfigEntryState.LOADED
    assert hass.states.get("lock.front_door")
    assert await hass.config_entries.async_unload(init_demo.entry_id)
    await hass.async_block_till_done()
    assert init_demo.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("lock.front_door").state == "unavailable"


async def test_devices(
    hass: HomeAssistant, init_demo: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    devices = dr.async_entries_for_config_entry(device_registry, init_demo.entry_id)
    assert {(d.name, d.manufacturer) for d in devices} == {
        ("Front door", "LockBooking demo"),
        ("Cabin", "LockBooking demo"),
        ("Garden gate", "LockBooking demo"),
        ("Back door keypad", "LockBooking demo"),
    }
    front = lock_device(hass, "demo_demo:front_door")
    assert front is not None
    assert front.sw_version == "4.2.1"


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (VendorUnavailableError("timeout"), ConfigEntryState.SETUP_RETRY),
        (VendorError("odd"), ConfigEntryState.SETUP_RETRY),
        (VendorAuthError(), ConfigEntryState.SETUP_ERROR),
    ],
)
async def test_setup_failures(
    hass: HomeAssistant,
    demo_entry: MockConfigEntry,
    error: Exception,
    state: ConfigEntryState,
) -> None:
    demo_entry.add_to_hass(hass)
    with patch.object(DemoVendor, "async_get_locks", side_effect=error):
        await hass.config_entries.async_setup(demo_entry.entry_id)
        await hass.async_block_till_done()
    assert demo_entry.state is state
    reauth = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler("lockbooking")
        if flow["context"]["source"] == "reauth"
    ]
    assert bool(reauth) is isinstance(error, VendorAuthError)


async def test_locks_come_and_go(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    original = DemoVendor.async_get_locks

    async def with_shed(self: DemoVendor) -> list[Lock]:
        locks = await original(self)
        shed = replace(locks[0], id="shed", name="Shed")
        return [*locks[1:], shed]

    with patch.object(DemoVendor, "async_get_locks", with_shed):
        freezer.tick(timedelta(seconds=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    assert hass.states.get("lock.shed").state == "locked"
    assert lock_device(hass, "demo_demo:shed")
    assert not lock_device(hass, "demo_demo:front_door")

    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert not lock_device(hass, "demo_demo:shed")
    assert lock_device(hass, "demo_demo:front_door")
    assert hass.states.get("lock.front_door").state == "locked"
