"""A code whose issue has an unknown outcome shows as pending (issue 20, build 7).

A timed-out call may have reached the vendor (Nuki applies creates later): the calendar
says `pending`, not `failed`, until the code is confirmed or found missing.
"""

from __future__ import annotations

from unittest.mock import patch

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.core import HomeAssistant

from ..helpers import calendar_events
from .conftest import FEED_URL, feed


async def _description(hass: HomeAssistant) -> str:
    return (await calendar_events(hass))[0]["description"]


async def _set_up_failing(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    error: Exception,
) -> None:
    aioclient_mock.get(FEED_URL, text=feed())
    entry.add_to_hass(hass)
    with patch.object(DemoVendor, "async_issue_code", side_effect=error):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


async def test_unknown_outcome_is_pending(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    await _set_up_failing(
        hass, reservations_entry, aioclient_mock, VendorUnavailableError("timeout")
    )
    assert "Front door: pending, 24 Aug 16:00 to 02 Sep 11:00" in await _description(
        hass
    )


async def test_refusal_is_failed(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    await _set_up_failing(
        hass, reservations_entry, aioclient_mock, VendorRejectedError("no")
    )
    assert "Front door: failed, 24 Aug 16:00 to 02 Sep 11:00" in await _description(
        hass
    )
