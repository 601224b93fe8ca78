"""Automatic mode starts once the entry is loaded: a slow vendor holds nothing up.

Neither the entry's set-up nor Home Assistant's start waits for a vendor: the first
run comes after the entry is loaded, and while Home Assistant is starting, once it has.
"""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.models import IssuedCode, Lock, PlannedCode
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant

from .conftest import FEED_URL, FIRST_UID, feed


async def test_slow_vendor_does_not_hold_up_the_set_up(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(FEED_URL, text=feed())
    issue = DemoVendor.async_issue_code
    called = asyncio.Event()
    release = asyncio.Event()
    states: list[ConfigEntryState] = []

    async def slow_issue(
        self: DemoVendor, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        states.append(reservations_entry.state)
        called.set()
        await release.wait()
        return await issue(self, lock, plan, name, code)

    reservations_entry.add_to_hass(hass)
    with patch.object(DemoVendor, "async_issue_code", slow_issue):
        setup = hass.async_create_task(
            hass.config_entries.async_setup(reservations_entry.entry_id)
        )
        await called.wait()
        assert states == [ConfigEntryState.LOADED]
        assert setup.done()
        assert setup.result() is True
        release.set()
        await hass.async_block_till_done()

    assert {record.status for record in hass.data[LEDGER].records(FIRST_UID)} == {
        CodeStatus.ISSUED
    }


async def test_nothing_is_issued_before_home_assistant_has_started(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(FEED_URL, text=feed())
    hass.set_state(CoreState.not_running)
    calls: list[Any] = []
    issue = DemoVendor.async_issue_code

    async def counted(self: DemoVendor, *args: Any) -> IssuedCode:
        calls.append(args)
        return await issue(self, *args)

    reservations_entry.add_to_hass(hass)
    with patch.object(DemoVendor, "async_issue_code", counted):
        assert await hass.config_entries.async_setup(reservations_entry.entry_id)
        await hass.async_block_till_done()
        # Accounts loading later, a refresh: still nothing while starting.
        await reservations_entry.runtime_data.scheduler.async_run()
        assert reservations_entry.state is ConfigEntryState.LOADED
        assert not calls
        assert hass.data[LEDGER].records(FIRST_UID) == []

        hass.set_state(CoreState.running)
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
        await hass.async_block_till_done()

    assert calls
    assert {record.status for record in hass.data[LEDGER].records(FIRST_UID)} == {
        CodeStatus.ISSUED
    }
