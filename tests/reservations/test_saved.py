"""A reservations entry's saved memory: read back as written, never trusted blindly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations.saved import (
    SavedStays,
    dump,
    load,
    storage_key,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .conftest import FEED_URL

START = datetime(2026, 8, 24, 14, tzinfo=UTC)


def stay(uid: str, **extra: Any) -> Reservation:
    return Reservation(uid, "Reserved", START, START + timedelta(days=3), **extra)


def test_memory_reads_back_as_written() -> None:
    saved = SavedStays(
        stays={
            "b": stay("b", description="Phone Number (Last 4 Digits): 4144"),
            "a": stay("a", phone_last4="4144", reference="HMY1D6SD91"),
        },
        misses={"c": 1},
        cancelled=[stay("c")],
        failing_since=START,
        source="https://example.com/cal.ics",
    )

    read = load(dump(saved))

    assert read.stays == {"a": saved.stays["a"], "b": saved.stays["b"]}
    assert list(read.stays) == ["a", "b"]  # by check-in, then uid
    assert (read.misses, read.cancelled, read.failing_since, read.source) == (
        {"c": 1},
        [stay("c")],
        START,
        "https://example.com/cal.ics",
    )


def test_never_fetched_is_not_nothing_fetched() -> None:
    assert load(dump(SavedStays())).stays is None
    assert load(dump(SavedStays(stays={}))).stays == {}


def test_what_cannot_be_read_is_left_out() -> None:
    good = dump(SavedStays(stays={"a": stay("a")}))["stays"][0]
    read = load(
        {
            "stays": [
                good,
                {**good, "uid": ""},
                {**good, "uid": 5},
                {**good, "start": "yesterday"},
                {**good, "end": "2026-08-27T11:00:00"},  # no offset
                {**good, "reference": ["HM"]},
                "a stay",
            ],
            "misses": {"a": 1, "b": "1", "c": 0, "d": True},
            "cancelled": [good, None],
            "failing_since": 7,
            "source": 7,
        }
    )
    assert list(read.stays or {}) == ["a"]
    assert read.misses == {"a": 1}
    assert read.cancelled == [stay("a")]
    assert read.failing_since is None
    assert read.source is None
    for raw in (None, [], "x", {"stays": "x", "misses": [], "cancelled": {}}):
        assert load(raw) == SavedStays()


async def test_memory_of_a_newer_major_version_is_read_anew(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    hass_storage[storage_key(reservations_entry.entry_id)] = {
        "version": 2,
        "minor_version": 1,
        "key": storage_key(reservations_entry.entry_id),
        "data": {"anything": "else"},
    }
    aioclient_mock.get(FEED_URL, status=503)
    reservations_entry.add_to_hass(hass)

    assert not await hass.config_entries.async_setup(reservations_entry.entry_id)

    # Nothing to stand in for the feed: not ready, as a new entry would be.
    assert reservations_entry.state is ConfigEntryState.SETUP_RETRY
