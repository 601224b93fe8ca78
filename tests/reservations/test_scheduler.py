"""Reservations entries: the calendar, automatic codes, cancellations and feed faults."""

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

from custom_components.lockbooking.vendors.base import VendorUnavailableError
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .conftest import FEED_URL, FIRST_UID, feed, lock_device, without_event


async def _events(hass: HomeAssistant, start: str, end: str) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": "calendar.seaside_flat",
            "start_date_time": start,
            "end_date_time": end,
        },
        blocking=True,
        return_response=True,
    )
    return response["calendar.seaside_flat"]["events"]


async def _refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(timedelta(minutes=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_calendar_lists_stays_not_blocks(
    hass: HomeAssistant, init_reservations: MockConfigEntry
) -> None:
    state = hass.states.get("calendar.seaside_flat")
    assert state.state == "off"
    assert state.attributes["start_time"] == "2026-08-24 16:00:00"
    events = await _events(
        hass, "2026-08-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"
    )
    assert [(e["start"], e["end"], e["summary"]) for e in events] == [
        ("2026-08-24T16:00:00+02:00", "2026-09-02T11:00:00+02:00", "Reserved"),
        ("2026-09-02T16:00:00+02:00", "2026-09-08T11:00:00+02:00", "Reserved"),
        ("2026-09-21T16:00:00+02:00", "2026-09-30T11:00:00+02:00", "Reserved"),
    ]


async def test_due_stay_gets_codes_automatically(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    issued = async_capture_events(hass, "lockbooking_code_issued")
    aioclient_mock.get(FEED_URL, text=feed())
    reservations_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(reservations_entry.entry_id)
    await hass.async_block_till_done()

    [event] = issued
    assert event.data["uid"] == FIRST_UID
    # No code, nor the guest's phone digits (a code-equivalent): the recorder keeps events.
    assert "code" not in event.data
    assert "phone_last4" not in event.data
    assert "4144" not in str(event.data)
    assert "Reservation URL" in event.data["description"]
    assert event.data["locks"] == ["Front door", "Cabin"]
    assert event.data["checkin"] == "2026-08-24T16:00:00+02:00"
    front, cabin = event.data["codes"]
    assert "code" not in front
    assert "lock_key" not in str(event.data)
    assert (front["entity_id"], front["device_id"]) == (
        "lock.front_door",
        lock_device(hass, "front_door"),
    )
    assert (cabin["entity_id"], cabin["device_id"]) == (
        None,
        lock_device(hass, "cabin"),
    )
    assert front["kind"] == "keypad"
    assert front["status"] == "issued"
    assert cabin["kind"] == "algopin_hourly"
    assert cabin["starts"] == "2026-08-24T16:00:00+02:00"
    assert any("before 2026-08-25T16:00:00+02:00" in note for note in cabin["notes"])
    codes = await hass.services.async_call(
        "lockbooking",
        "get_codes",
        {"uid": FIRST_UID},
        blocking=True,
        return_response=True,
    )
    code = next(c["code"] for c in codes["codes"] if c["lock"] == "Front door")
    assert len(code) == 6
    events = await _events(
        hass, "2026-08-24T00:00:00+02:00", "2026-08-25T00:00:00+02:00"
    )
    description = events[0]["description"]
    assert "Front door: issued, 24 Aug 16:00 to 02 Sep 11:00" in description
    assert code not in description
    assert "Reservation URL" in description
    assert "4144" not in description
    assert "Phone Number" not in description


async def test_nothing_is_issued_twice(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    with patch.object(DemoVendor, "async_issue_code", autospec=True) as spy:
        for _ in range(3):
            await _refresh(hass, freezer)
    spy.assert_not_called()


async def test_cancelled_after_two_good_fetches(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    revoked = async_capture_events(hass, "lockbooking_code_revoked")
    vendor = hass.config_entries.async_entries("lockbooking")[0].runtime_data.vendor
    assert len(vendor._codes) == 2
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=without_event(feed(), FIRST_UID))
    await _refresh(hass, freezer)
    assert not revoked
    events = await _events(
        hass, "2026-08-24T00:00:00+02:00", "2026-08-25T00:00:00+02:00"
    )
    assert [e["summary"] for e in events] == ["Reserved"]
    await _refresh(hass, freezer)
    [event] = revoked
    assert event.data["uid"] == FIRST_UID
    assert [c["lock"] for c in event.data["codes"]] == [
        "Front door"
    ]  # algoPINs cannot be
    assert [c.lock_id for c in vendor._codes.values()] == ["cabin"]
    assert (
        await _events(hass, "2026-08-24T00:00:00+02:00", "2026-08-25T00:00:00+02:00")
        == []
    )


async def test_cancelled_when_the_second_fetch_is_not_modified(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 304 confirms the feed still lacks the stay: it counts as the second good fetch."""
    revoked = async_capture_events(hass, "lockbooking_code_revoked")
    aioclient_mock.clear_requests()
    aioclient_mock.get(
        FEED_URL, text=without_event(feed(), FIRST_UID), headers={"ETag": '"v2"'}
    )
    await _refresh(hass, freezer)
    assert not revoked
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, status=304, headers={"ETag": '"v2"'})
    await _refresh(hass, freezer)
    assert aioclient_mock.mock_calls[-1][3]["If-None-Match"] == '"v2"'
    [event] = revoked
    assert event.data["uid"] == FIRST_UID
    assert (
        await _events(hass, "2026-08-24T00:00:00+02:00", "2026-08-25T00:00:00+02:00")
        == []
    )


async def test_calendar_shows_a_stay_that_changed_in_the_feed(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The calendar reuses the events it made only while their stays stay the same."""
    window = ("2026-09-01T00:00:00+02:00", "2026-09-10T00:00:00+02:00")
    [before] = [
        e for e in await _events(hass, *window) if e["start"].startswith("2026-09-02")
    ]
    assert before["end"] == "2026-09-08T11:00:00+02:00"
    aioclient_mock.clear_requests()
    aioclient_mock.get(
        FEED_URL,
        text=feed().replace("DTEND;VALUE=DATE:20260908", "DTEND;VALUE=DATE:20260909"),
    )
    await _refresh(hass, freezer)

    [after] = [
        e for e in await _events(hass, *window) if e["start"].startswith("2026-09-02")
    ]
    assert after["end"] == "2026-09-09T11:00:00+02:00"


@pytest.mark.parametrize(
    "bad",
    [
        {"status": 500},
        {"text": "<html><body>Maintenance</body></html>"},
        {"text": "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n"},
        {"text": feed()[: len(feed()) // 2]},
    ],
)
async def test_faulty_fetches_change_nothing(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    bad: dict[str, Any],
) -> None:
    revoked = async_capture_events(hass, "lockbooking_code_revoked")
    before = await _events(
        hass, "2026-08-01T00:00:00+02:00", "2027-12-01T00:00:00+02:00"
    )
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, **bad)
    for _ in range(3):
        await _refresh(hass, freezer)
    assert not revoked
    assert hass.states.get("calendar.seaside_flat").state != "unavailable"
    after = await _events(
        hass, "2026-08-01T00:00:00+02:00", "2027-12-01T00:00:00+02:00"
    )
    assert after == before


async def test_unchanged_feed_is_not_parsed_again(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, status=304)
    with patch(
        "custom_components.lockbooking.reservations.coordinator.read_feed"
    ) as parse:
        await _refresh(hass, freezer)
    parse.assert_not_called()
    [(method, _url, _data, headers)] = aioclient_mock.mock_calls
    assert method == "GET"
    assert headers["If-None-Match"] == '"v1"'


async def test_moved_stay_gets_a_new_code(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    issued = async_capture_events(hass, "lockbooking_code_issued")
    moved = feed().replace("DTEND;VALUE=DATE:20260902", "DTEND;VALUE=DATE:20260903", 1)
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=moved)
    await _refresh(hass, freezer)
    [event] = issued
    assert event.data["checkout"] == "2026-09-03T11:00:00+02:00"
    assert event.data["codes"][0]["ends"] == "2026-09-03T11:00:00+02:00"


async def test_failures_retry_with_backoff_then_repair(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    failed = async_capture_events(hass, "lockbooking_code_failed")
    aioclient_mock.get(FEED_URL, text=feed())
    reservations_entry.add_to_hass(hass)
    with patch.object(
        DemoVendor, "async_issue_code", side_effect=VendorUnavailableError("down")
    ):
        assert await hass.config_entries.async_setup(reservations_entry.entry_id)
        await hass.async_block_till_done()
        assert len(failed) == 1
        assert failed[0].data["reason"] == "vendor_unavailable"
        for _ in range(4):
            freezer.tick(timedelta(minutes=20))
            async_fire_time_changed(hass)
            await hass.async_block_till_done()
    assert 3 <= len(failed) <= 5
    assert any(
        i.translation_key == "code_failed" for i in issue_registry.issues.values()
    )
    freezer.tick(timedelta(hours=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert not any(
        i.translation_key == "code_failed" for i in issue_registry.issues.values()
    )


async def test_automatic_issuing_can_be_off(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    issued = async_capture_events(hass, "lockbooking_code_issued")
    aioclient_mock.get(FEED_URL, text=feed())
    entry = MockConfigEntry(
        domain="lockbooking",
        title=reservations_entry.title,
        data=reservations_entry.data,
        options={"auto_issue": False},
        unique_id="reservations_off",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not issued


async def test_unload(hass: HomeAssistant, init_reservations: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(init_reservations.entry_id)
    assert init_reservations.state is ConfigEntryState.NOT_LOADED


async def test_margins_widen_the_window(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    issued = async_capture_events(hass, "lockbooking_code_issued")
    aioclient_mock.get(FEED_URL, text=feed())
    entry = MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        data=reservations_entry.data,
        options={"margin_before_minutes": 60, "margin_after_minutes": 30},
        unique_id="reservations_margins",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    front = issued[0].data["codes"][0]
    assert (front["starts"], front["ends"]) == (
        "2026-08-24T15:00:00+02:00",
        "2026-09-02T11:30:00+02:00",
    )


async def test_waits_for_accounts_that_load_later(
    hass: HomeAssistant,
    demo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Start-up order: the reservations entry first, its locks' account second."""
    issued = async_capture_events(hass, "lockbooking_code_issued")
    aioclient_mock.get(FEED_URL, text=feed())
    entry = MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_early",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": ["demo_demo:front_door"],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert not issued
    demo_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(demo_entry.entry_id)
    await hass.async_block_till_done()
    assert [e.data["uid"] for e in issued] == [FIRST_UID]
