"""Automatic mode under overlapping refreshes: no cancellation or due stay is lost."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.core import HomeAssistant

from ..helpers import FEED_URL, FIRST_UID, feed, without_event

pytestmark = pytest.mark.fault
FRONT = "demo_demo:front_door"


async def test_a_cancellation_arriving_during_a_run_is_revoked_in_that_run(
    hass: HomeAssistant, init_reservations: MockConfigEntry
) -> None:
    runtime = init_reservations.runtime_data
    first = runtime.coordinator.data[FIRST_UID]
    second = replace(first, uid="second-stay")
    # The host's code for another stay of the entry.
    runtime.coordinator.data = {**runtime.coordinator.data, second.uid: second}
    await hass.services.async_call(
        "lockbooking",
        "issue_code",
        {
            "entity_id": "lock.front_door",
            "uid": second.uid,
            "name": "Second",
            "start": second.start.isoformat(),
            "end": second.end.isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    revoke = DemoVendor.async_revoke_code
    calls: list[str] = []

    async def revoke_while_a_refresh_lands(
        self: DemoVendor, lock: Any, issued: Any
    ) -> None:
        calls.append(issued.code)
        if len(calls) == 1:
            # A refresh finds another cancellation while the first is being revoked
            # (and the stay leaves the reservations, as a refresh that cancels it does).
            runtime.coordinator.data = {
                uid: stay
                for uid, stay in runtime.coordinator.data.items()
                if uid != second.uid
            }
            runtime.coordinator.cancelled.append(second)
            await runtime.scheduler.async_run()
        await revoke(self, lock, issued)

    # As after the refreshes that found the first stay cancelled.
    runtime.coordinator.data = {
        uid: stay for uid, stay in runtime.coordinator.data.items() if uid != FIRST_UID
    }
    runtime.coordinator.cancelled = [first]
    with patch.object(DemoVendor, "async_revoke_code", revoke_while_a_refresh_lands):
        await runtime.scheduler.async_run()
    await hass.async_block_till_done()

    ledger = hass.data[LEDGER]
    assert ledger.get(FIRST_UID, FRONT).status is CodeStatus.REVOKED
    assert ledger.get(second.uid, FRONT).status is CodeStatus.REVOKED
    assert len(calls) == 2
    assert runtime.coordinator.cancelled == []


async def test_a_cancellation_waits_for_its_locks_across_refreshes(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A stay cancelled while its locks' account is away is revoked when it is back."""
    assert await hass.config_entries.async_unload(init_demo.entry_id)
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=without_event(feed(), FIRST_UID))
    for _ in range(3):  # two to cancel the stay, one more that finds nothing new
        freezer.tick(timedelta(minutes=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.data[LEDGER].get(FIRST_UID, FRONT).status is CodeStatus.ISSUED

    assert await hass.config_entries.async_setup(init_demo.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert hass.data[LEDGER].get(FIRST_UID, FRONT).status is CodeStatus.REVOKED
    assert init_reservations.runtime_data.coordinator.cancelled == []
