"""Fixtures for reservations: a demo account with locks and a booking feed.

The Seaside flat's entry and set-up (`reservations_entry`, `init_reservations`) are in
tests/conftest.py, the sample feed and its uids in tests/helpers.py: tests elsewhere
use them too.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from homeassistant.core import HomeAssistant

# The tests here import these from here.
from ..helpers import (  # noqa: F401
    FEED_URL,
    FIRST_UID,
    SECOND_UID,
    demo_device_id as lock_device,
    feed,
    without_event,
)


@pytest.fixture(autouse=True)
def in_vienna_before_the_first_stay(day_before_first_stay: None) -> None:
    """Every test here starts in Vienna, a day before the first stay's check-in."""


async def setup_seaside_flat(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry_id: str,
    locks: list[str],
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Set up the Seaside flat on the Airbnb sample feed and these locks (16:00 to 11:00)."""
    aioclient_mock.get(FEED_URL, text=feed())
    entry = MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        entry_id=entry_id,
        unique_id=f"reservations_{entry_id}",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": locks,
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options=options or {},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
