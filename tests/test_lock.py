"""Lock entities on the demo account: states, actions, errors and snapshots."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.lockbooking.models import Capabilities, Lock
from custom_components.lockbooking.vendors.base import (
    LockVendor,
    VendorAuthError,
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.components.lock import (
    DOMAIN as LOCK_DOMAIN,
    SERVICE_LOCK,
    SERVICE_OPEN,
    SERVICE_UNLOCK,
    LockState,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er


@pytest.fixture
def platforms() -> list[str]:
    return [Platform.LOCK]


async def _call(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        LOCK_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def test_snapshot(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_demo.entry_id)


async def test_only_remote_locks_get_entities(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    assert hass.states.get("lock.front_door").state == LockState.LOCKED
    assert hass.states.get("lock.garden_gate").state == LockState.LOCKED
    assert hass.states.get("lock.cabin") is None


async def test_unlock_open_lock(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    await _call(hass, SERVICE_UNLOCK, "lock.front_door")
    assert hass.states.get("lock.front_door").state == LockState.UNLOCKED
    await _call(hass, SERVICE_LOCK, "lock.front_door")
    assert hass.states.get("lock.front_door").state == LockState.LOCKED
    await _call(hass, SERVICE_OPEN, "lock.front_door")
    assert hass.states.get("lock.front_door").state == LockState.UNLOCKED


async def test_transitional_state_while_vendor_works(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    release = asyncio.Event()
    seen: list[str] = []

    async def slow_unlock(self: DemoVendor, lock: object) -> None:
        seen.append(hass.states.get("lock.front_door").state)
        await release.wait()

    with patch.object(DemoVendor, "async_unlock", slow_unlock):
        task = hass.async_create_task(_call(hass, SERVICE_UNLOCK, "lock.front_door"))
        await asyncio.sleep(0)
        for _ in range(5):
            await asyncio.sleep(0)
        assert seen == [LockState.UNLOCKING]
        release.set()
        await task
    # The demo did not really unlock, so the refresh shows the lock as it is.
    assert hass.states.get("lock.front_door").state == LockState.LOCKED


async def test_gate_relocks_itself(
    hass: HomeAssistant, init_demo: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await _call(hass, SERVICE_UNLOCK, "lock.garden_gate")
    assert hass.states.get("lock.garden_gate").state == LockState.UNLOCKED
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("lock.garden_gate").state == LockState.LOCKED


async def test_gate_cannot_lock(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, SERVICE_LOCK, "lock.garden_gate")
    assert err.value.translation_key == "lock_not_supported"
    assert err.value.translation_placeholders == {"lock": "Garden gate"}
    assert str(err.value).startswith("Garden gate cannot be locked remotely")


async def test_open_not_offered_where_unsupported(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    with pytest.raises(HomeAssistantError):
        await _call(hass, SERVICE_OPEN, "lock.garden_gate")


@pytest.mark.parametrize(
    ("error", "key", "error_type"),
    [
        (VendorUnavailableError("timeout"), "vendor_unavailable", HomeAssistantError),
        (VendorRejectedError("Motor blocked"), "vendor_rejected", HomeAssistantError),
        (VendorAuthError(), "vendor_auth", HomeAssistantError),
    ],
)
async def test_vendor_errors_are_translated(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    error: Exception,
    key: str,
    error_type: type[Exception],
) -> None:
    with (
        patch.object(DemoVendor, "async_lock", side_effect=error),
        pytest.raises(error_type) as err,
    ):
        await _call(hass, SERVICE_LOCK, "lock.front_door")
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == key
    assert err.value.translation_placeholders["lock"] == "Front door"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler("lockbooking")
    assert bool(flows) is isinstance(error, VendorAuthError)
    assert [f["context"]["source"] for f in flows] == (
        ["reauth"] if isinstance(error, VendorAuthError) else []
    )


async def test_unavailable_and_back(
    hass: HomeAssistant, init_demo: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    with patch.object(
        DemoVendor, "async_get_locks", side_effect=VendorUnavailableError("down")
    ):
        freezer.tick(timedelta(seconds=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert hass.states.get("lock.front_door").state == STATE_UNAVAILABLE
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door").state == LockState.LOCKED


async def test_lock_that_cannot_report_or_unlock(
    hass: HomeAssistant, demo_entry: MockConfigEntry
) -> None:
    """A lock-only, state-less lock (an igloohome behind a Bridge is close to this)."""
    original = DemoVendor.async_get_locks

    async def cabin_locks_remotely(self: DemoVendor) -> list[Lock]:
        locks = await original(self)
        return [
            replace(lock, capabilities=Capabilities(remote_lock=True))
            if lock.id == "cabin"
            else lock
            for lock in locks
        ]

    demo_entry.add_to_hass(hass)
    with patch.object(DemoVendor, "async_get_locks", cabin_locks_remotely):
        assert await hass.config_entries.async_setup(demo_entry.entry_id)
        await hass.async_block_till_done()
        state = hass.states.get("lock.cabin")
        assert state.state == "unknown"
        assert state.attributes["assumed_state"] is True
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, SERVICE_UNLOCK, "lock.cabin")
        assert err.value.translation_key == "unlock_not_supported"
        # The demo has no remote lock for the cabin: the vendor layer refuses, typed.
        with (
            patch.object(DemoVendor, "async_lock", LockVendor.async_lock),
            pytest.raises(ServiceValidationError) as err,
        ):
            await _call(hass, SERVICE_LOCK, "lock.cabin")
        assert err.value.translation_key == "vendor_unsupported"
