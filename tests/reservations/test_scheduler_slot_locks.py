"""Automatic mode on locks already in Home Assistant, alone and beside cloud locks.

A stay's code goes into a managed slot of the Z-Wave lock when its window opens and
out when it closes; a cancellation clears it; the demo's cloud-like locks get theirs
as before, so one stay has a code on every lock.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.ledger import LEDGER
from homeassistant.core import HomeAssistant

from ..ha_locks import FakeKeypads, add_ha_lock, at, ha_account_entry
from ..helpers import calendar_events
from .conftest import FEED_URL, FIRST_UID, feed, setup_seaside_flat, without_event

# The sample feed's first stay: 24 August 16:00 to 2 September 11:00 (Vienna).
CHECK_IN = "2026-08-24T16:00:00+02:00"
CHECK_OUT = "2026-09-02T11:00:00+02:00"


@pytest.fixture
async def front_door_key(hass: HomeAssistant, keypads: FakeKeypads) -> str:
    """A Z-Wave front door in a "Locks in Home Assistant" account; its lock key."""
    lock = add_ha_lock(hass, "zwave_js", "flat_door")
    entry = ha_account_entry([lock])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return f"home_assistant:{lock.id}"


async def test_a_stay_gets_a_code_on_every_lock_of_a_mixed_fleet(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    front_door_key: str,
    keypads: FakeKeypads,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_seaside_flat(
        hass, aioclient_mock, "flat", [front_door_key, "demo_demo:front_door"]
    )
    ledger = hass.data[LEDGER]
    records = {r.lock_key: r for r in ledger.records(FIRST_UID)}
    assert set(records) == {front_door_key, "demo_demo:front_door"}
    assert records["demo_demo:front_door"].status is CodeStatus.ISSUED
    slot_record = records[front_door_key]
    assert slot_record.shown_status is CodeStatus.SCHEDULED
    assert slot_record.slot == 10
    assert keypads.held("lock.flat_door") == {}

    await at(hass, freezer, CHECK_IN)
    assert keypads.held("lock.flat_door") == {10: slot_record.code}
    await at(hass, freezer, CHECK_OUT)
    assert keypads.held("lock.flat_door") == {}


async def test_a_cancelled_stay_is_cleared_from_its_slot(
    hass: HomeAssistant,
    front_door_key: str,
    keypads: FakeKeypads,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_seaside_flat(hass, aioclient_mock, "flat", [front_door_key])
    await at(hass, freezer, "2026-08-25T12:00:00+02:00")
    [record] = hass.data[LEDGER].records(FIRST_UID)
    assert keypads.held("lock.flat_door") == {10: record.code}

    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=without_event(feed(), FIRST_UID))
    # Cancelled: gone from two reads in a row.
    for _ in range(3):
        freezer.tick(timedelta(minutes=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    [record] = hass.data[LEDGER].records(FIRST_UID)
    assert record.status is CodeStatus.REVOKED
    assert keypads.held("lock.flat_door") == {}
    assert entry.state.recoverable


async def test_the_calendar_shows_a_scheduled_code_and_a_late_write(
    hass: HomeAssistant,
    front_door_key: str,
    keypads: FakeKeypads,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_seaside_flat(hass, aioclient_mock, "flat", [front_door_key])
    [event] = await calendar_events(hass)
    assert ": scheduled, 24 Aug 16:00 to 02 Sep 11:00" in event["description"]

    account = hass.config_entries.async_entry_for_domain_unique_id(
        "lockbooking", "home_assistant"
    )
    assert account is not None
    await hass.config_entries.async_unload(account.entry_id)
    await at(hass, freezer, "2026-08-24T18:30:00+02:00")  # down over check-in
    assert keypads.held("lock.flat_door") == {}
    assert await hass.config_entries.async_setup(account.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    [record] = hass.data[LEDGER].records(FIRST_UID)
    assert keypads.held("lock.flat_door") == {10: record.code}
    [event] = await calendar_events(hass)
    assert (
        ": issued, 24 Aug 16:00 to 02 Sep 11:00, written late at 2026-08-24 18:30"
        in (event["description"])
    )


async def test_a_stay_with_no_free_slot_fails_without_writing_over(
    hass: HomeAssistant,
    keypads: FakeKeypads,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    lock = add_ha_lock(hass, "zwave_js", "flat_door")
    account = ha_account_entry([lock], slot_count=1)
    account.add_to_hass(hass)
    assert await hass.config_entries.async_setup(account.entry_id)
    await hass.async_block_till_done()
    # The host's long code holds the lock's one managed slot over the first stay.
    await hass.services.async_call(
        "lockbooking",
        "issue_code",
        {
            "entity_id": "lock.flat_door",
            "start": "2026-08-23T12:00:00+02:00",
            "end": "2026-09-30T12:00:00+02:00",
            "uid": "owner",
        },
        blocking=True,
    )
    failed = async_capture_events(hass, "lockbooking_code_failed")
    await setup_seaside_flat(
        hass, aioclient_mock, "flat", [f"home_assistant:{lock.id}"]
    )
    assert [event.data["reason"] for event in failed] == ["no_free_slot"]
    assert hass.data[LEDGER].records(FIRST_UID) == []
    [owner] = hass.data[LEDGER].records("owner")
    assert keypads.held("lock.flat_door") == {10: owner.code}
