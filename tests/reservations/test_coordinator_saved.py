"""A cancellation is decided from saved state: restarts and reloads change nothing.

Through a reservations entry on the demo account, with Home Assistant's storage kept
across reloads (an unload and a set-up, as a restart does them): a stay missing once
before a reload and once after is cancelled and its code revoked; a cancellation whose
revocation did not happen yet is revoked after one; a feed down at start leaves the
entry on its saved stays; a feed failing from set-up raises its repair 6 hours after
its first failure, however many set-up retries came between.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

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
from custom_components.lockbooking.reservations.coordinator import (
    FEED_FAILING_REPAIR_AFTER,
)
from custom_components.lockbooking.reservations.saved import (
    SavedStays,
    StaysMemory,
    storage_key,
)
from custom_components.lockbooking.vendors.base import VendorUnavailableError
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .conftest import FEED_URL, FIRST_UID, SECOND_UID, feed, without_event

FRONT_DOOR = "demo_demo:front_door"
WIDE = ("2026-01-01T00:00:00+01:00", "2028-01-01T00:00:00+01:00")


def serve(aioclient_mock: AiohttpClientMocker, **response: Any) -> None:
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, **response)


async def refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the refresh interval pass."""
    freezer.tick(timedelta(minutes=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload the entry and set it up again; storage is kept, memory is not."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def front_door(hass: HomeAssistant, uid: str = FIRST_UID) -> CodeStatus | None:
    record = hass.data[LEDGER].get(uid, FRONT_DOOR)
    return None if record is None else record.status


async def calendar_uids(hass: HomeAssistant) -> list[str]:
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": "calendar.seaside_flat",
            "start_date_time": WIDE[0],
            "end_date_time": WIDE[1],
        },
        blocking=True,
        return_response=True,
    )
    return [event["start"] for event in response["calendar.seaside_flat"]["events"]]


@pytest.fixture
def revoked(hass: HomeAssistant) -> list[Any]:
    return async_capture_events(hass, "lockbooking_code_revoked")


async def test_restart_between_two_misses_still_cancels(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    revoked: list[Any],
) -> None:
    assert front_door(hass) is CodeStatus.ISSUED
    serve(aioclient_mock, text=without_event(feed(), FIRST_UID))
    await refresh(hass, freezer)
    assert front_door(hass) is CodeStatus.ISSUED  # missing once: maybe a glitch
    saved = hass_storage[storage_key(init_reservations.entry_id)]["data"]
    assert saved["misses"] == {FIRST_UID: 1}

    await restart(hass, init_reservations)

    # The fetch at set-up is the second miss.
    assert [event.data["uid"] for event in revoked] == [FIRST_UID]
    assert front_door(hass) is CodeStatus.REVOKED
    saved = hass_storage[storage_key(init_reservations.entry_id)]["data"]
    assert saved["misses"] == {}
    assert saved["cancelled"] == []
    assert FIRST_UID not in {stay["uid"] for stay in saved["stays"]}


async def test_options_change_between_two_misses_still_cancels(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    revoked: list[Any],
) -> None:
    """Changing an option reloads the entry: a cancellation under way survives it."""
    serve(aioclient_mock, text=without_event(feed(), FIRST_UID))
    await refresh(hass, freezer)

    result = await hass.config_entries.options.async_init(init_reservations.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "auto_issue": True,
            "issue_hours_before": 48,
            "margin_before_minutes": 0,
            "margin_after_minutes": 0,
            "auto_revoke": True,
            "skip_patterns": ["Not available"],
            "refresh_minutes": 45,
            "code_choice": "random",
            "not_arrived_warning": "algopin",
            "not_arrived_hours": 6,
        },
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert init_reservations.options["refresh_minutes"] == 45

    assert [event.data["uid"] for event in revoked] == [FIRST_UID]
    assert front_door(hass) is CodeStatus.REVOKED


async def test_another_feed_reads_its_stays_afresh(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    revoked: list[Any],
) -> None:
    """Reconfigured to another address: the old feed's stays are not its cancellations."""
    other_url = FEED_URL.replace("12345", "67890")
    serve(aioclient_mock, text=without_event(feed(), FIRST_UID))
    await refresh(hass, freezer)
    aioclient_mock.get(other_url, text=without_event(feed(), FIRST_UID))
    hass.config_entries.async_update_entry(
        init_reservations, data={**init_reservations.data, "url": other_url}
    )

    await restart(hass, init_reservations)
    for _ in range(3):
        await refresh(hass, freezer)

    assert not revoked
    assert front_door(hass) is CodeStatus.ISSUED
    assert FIRST_UID not in init_reservations.runtime_data.coordinator.data
    saved = hass_storage[storage_key(init_reservations.entry_id)]["data"]
    assert saved["source"] == other_url
    assert saved["misses"] == {}


async def test_restart_before_the_revocation_still_revokes(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    revoked: list[Any],
) -> None:
    serve(aioclient_mock, text=without_event(feed(), FIRST_UID))
    with patch.object(
        DemoVendor, "async_revoke_code", side_effect=VendorUnavailableError("down")
    ) as revoke:
        await refresh(hass, freezer)
        await refresh(hass, freezer)
    # Found cancelled; the vendor was down: the code is still live, and remembered.
    assert revoke.called
    assert front_door(hass) is CodeStatus.ISSUED
    saved = hass_storage[storage_key(init_reservations.entry_id)]["data"]
    assert [stay["uid"] for stay in saved["cancelled"]] == [FIRST_UID]

    # Even reconfigured to another address: the cancellation was the old feed's word.
    other_url = FEED_URL.replace("12345", "67890")
    aioclient_mock.get(other_url, text=without_event(feed(), FIRST_UID))
    hass.config_entries.async_update_entry(
        init_reservations, data={**init_reservations.data, "url": other_url}
    )
    await restart(hass, init_reservations)

    assert [event.data["uid"] for event in revoked] == [FIRST_UID]
    assert front_door(hass) is CodeStatus.REVOKED
    saved = hass_storage[storage_key(init_reservations.entry_id)]["data"]
    assert saved["cancelled"] == []


async def test_failed_revocation_is_tried_again(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    revoked: list[Any],
) -> None:
    serve(aioclient_mock, text=without_event(feed(), FIRST_UID))
    with patch.object(
        DemoVendor, "async_revoke_code", side_effect=VendorUnavailableError("down")
    ):
        await refresh(hass, freezer)
        await refresh(hass, freezer)
    assert front_door(hass) is CodeStatus.ISSUED

    await refresh(hass, freezer)

    assert [event.data["uid"] for event in revoked] == [FIRST_UID]
    assert front_door(hass) is CodeStatus.REVOKED
    assert init_reservations.runtime_data.coordinator.cancelled == []


async def test_cancelled_stay_back_in_the_feed_keeps_its_code(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    revoked: list[Any],
) -> None:
    """A cancellation not yet revoked is dropped when the stay comes back."""
    serve(aioclient_mock, text=without_event(feed(), FIRST_UID))
    with patch.object(
        DemoVendor, "async_revoke_code", side_effect=VendorUnavailableError("down")
    ):
        await refresh(hass, freezer)
        await refresh(hass, freezer)
        assert init_reservations.runtime_data.coordinator.cancelled
        serve(aioclient_mock, text=feed())
        await refresh(hass, freezer)

    await refresh(hass, freezer)

    assert not revoked
    assert front_door(hass) is CodeStatus.ISSUED
    assert init_reservations.runtime_data.coordinator.cancelled == []


async def test_feed_down_at_start_keeps_the_saved_stays(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    revoked: list[Any],
) -> None:
    shown = await calendar_uids(hass)
    assert len(shown) == 4
    serve(aioclient_mock, status=503)

    await restart(hass, init_reservations)

    assert init_reservations.state is ConfigEntryState.LOADED
    coordinator = init_reservations.runtime_data.coordinator
    assert not coordinator.last_update_success
    assert hass.states.get("calendar.seaside_flat").state != "unavailable"
    assert await calendar_uids(hass) == shown
    for _ in range(3):
        await refresh(hass, freezer)
    assert not revoked
    assert front_door(hass) is CodeStatus.ISSUED
    assert await calendar_uids(hass) == shown

    # Back: the feed's word counts again, from the saved stays on.
    serve(aioclient_mock, text=without_event(feed(), SECOND_UID))
    await refresh(hass, freezer)
    await refresh(hass, freezer)
    assert coordinator.last_update_success
    assert len(await calendar_uids(hass)) == 3
    assert front_door(hass) is CodeStatus.ISSUED


async def test_feed_down_at_first_start_is_not_ready(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(FEED_URL, status=503)
    reservations_entry.add_to_hass(hass)

    assert not await hass.config_entries.async_setup(reservations_entry.entry_id)

    assert reservations_entry.state is ConfigEntryState.SETUP_RETRY


async def test_repair_counts_from_the_first_failure_across_set_up_retries(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    issue_id = f"feed_failing_{reservations_entry.entry_id}"
    aioclient_mock.get(FEED_URL, status=503)
    reservations_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(reservations_entry.entry_id)
    issues = ir.async_get(hass)

    retries = 0
    passed = timedelta(0)
    while passed < FEED_FAILING_REPAIR_AFTER - timedelta(minutes=10):
        calls = aioclient_mock.call_count
        freezer.tick(timedelta(minutes=5))
        passed += timedelta(minutes=5)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        retries += aioclient_mock.call_count - calls
        assert reservations_entry.state is ConfigEntryState.SETUP_RETRY
        assert issues.async_get_issue("lockbooking", issue_id) is None, passed
    # Many set-up retries (their pace differs between releases), none resetting the clock.
    assert retries > 10

    for _ in range(4):
        freezer.tick(timedelta(minutes=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    issue = issues.async_get_issue("lockbooking", issue_id)
    assert issue is not None
    assert reservations_entry.state is ConfigEntryState.SETUP_RETRY
    assert issue.translation_placeholders["since"].startswith("2026-08-23T12:00")

    # The feed works again: the entry loads and the repair goes.
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=feed())
    for _ in range(12):  # the next set-up retry (2026.11 waits longer between them)
        freezer.tick(timedelta(minutes=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        if reservations_entry.state is ConfigEntryState.LOADED:
            break
    assert reservations_entry.state is ConfigEntryState.LOADED
    assert issues.async_get_issue("lockbooking", issue_id) is None


async def test_removed_entry_leaves_no_saved_state(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    key = storage_key(init_reservations.entry_id)
    assert key in hass_storage

    assert (await hass.config_entries.async_remove(init_reservations.entry_id))[
        "require_restart"
    ] is False
    await hass.async_block_till_done()

    assert key not in hass_storage


async def test_cancelled_stay_without_a_code_is_forgotten_without_locks(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Nothing to revoke, no lock loaded: the saved list does not keep it for ever."""
    assert hass.data[LEDGER].records(SECOND_UID) == []  # not due yet
    assert await hass.config_entries.async_unload(init_demo.entry_id)
    serve(aioclient_mock, text=without_event(feed(), SECOND_UID))

    await refresh(hass, freezer)
    await refresh(hass, freezer)

    assert SECOND_UID not in init_reservations.runtime_data.coordinator.data
    assert init_reservations.runtime_data.coordinator.cancelled == []
    saved = hass_storage[storage_key(init_reservations.entry_id)]["data"]
    assert saved["cancelled"] == []
    # The first stay's codes, on locks not loaded now, are kept.
    assert front_door(hass) is CodeStatus.ISSUED


async def test_run_during_the_save_does_not_lose_a_cancellation(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    revoked: list[Any],
) -> None:
    """Automatic mode running while a cancellation is being saved still revokes it."""
    scheduler = init_reservations.runtime_data.scheduler
    save = StaysMemory.async_save

    async def save_while_a_tick_runs(self: StaysMemory, saved: SavedStays) -> None:
        await scheduler.async_run()
        await save(self, saved)

    serve(aioclient_mock, text=without_event(feed(), FIRST_UID))
    await refresh(hass, freezer)
    with patch.object(StaysMemory, "async_save", save_while_a_tick_runs):
        await refresh(hass, freezer)

    assert [event.data["uid"] for event in revoked] == [FIRST_UID]
    assert front_door(hass) is CodeStatus.REVOKED
