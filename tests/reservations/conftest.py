"""Fixtures for reservations: a demo account with locks and a booking feed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from homeassistant.core import HomeAssistant

from ..helpers import lock_device as device_of_lock

FEEDS = Path(__file__).parent.parent / "fixtures" / "ics"
FEED_URL = "https://www.airbnb.com/calendar/ical/12345.ics?s=secret-token"
FIRST_UID = "1418fb94e984-852c89f27ecf42cf813dc4bdc20995fa@airbnb.com"
SECOND_UID = "1418fb94e984-165adae695c008f101d2780ab84715a3@airbnb.com"


def feed(name: str = "airbnb-1.0.ics") -> str:
    return (FEEDS / name).read_text(encoding="utf-8")


def without_event(ics: str, uid: str) -> str:
    """The feed with one VEVENT removed."""
    blocks = ics.split("BEGIN:VEVENT")
    kept = [blocks[0], *(b for b in blocks[1:] if uid not in b)]
    return "BEGIN:VEVENT".join(kept)


@pytest.fixture(autouse=True)
async def vienna(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Home Assistant in Vienna, a day before the first stay's check-in."""
    await hass.config.async_set_time_zone("Europe/Vienna")
    freezer.move_to("2026-08-23T12:00:00+02:00")


def lock_device(hass: HomeAssistant, lock_id: str) -> str:
    device = device_of_lock(hass, f"demo_demo:{lock_id}")
    assert device is not None
    return device.id


@pytest.fixture
def reservations_entry(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> MockConfigEntry:
    return MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_test",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": ["demo_demo:front_door", "demo_demo:cabin"],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options={},
    )


@pytest.fixture
async def init_reservations(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> MockConfigEntry:
    aioclient_mock.get(FEED_URL, text=feed(), headers={"ETag": '"v1"'})
    reservations_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(reservations_entry.entry_id)
    await hass.async_block_till_done()
    return reservations_entry


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
