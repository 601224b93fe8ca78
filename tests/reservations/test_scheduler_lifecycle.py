"""Automatic mode and the host: the host's word wins, make before break, scopes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
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

from custom_components.lockbooking.code_record import CodeStatus, Decider
from custom_components.lockbooking.ledger import LEDGER, STORAGE_KEY, CodeLedger
from custom_components.lockbooking.vendors.base import VendorUnavailableError
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..helpers import calendar_events
from .conftest import FEED_URL, FIRST_UID, feed, without_event

FRONT = "demo_demo:front_door"
# The first stay, one day longer.
EXTENDED = ("DTEND;VALUE=DATE:20260902", "DTEND;VALUE=DATE:20260903")


@pytest.fixture
def cannot_move_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """A keypad that cannot change a code's window (an igloohome Bridge PIN, say)."""
    monkeypatch.setattr(DemoVendor, "updates_window_in_place", False)


async def _refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(timedelta(minutes=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        "lockbooking", service, data, blocking=True, return_response=True
    )


def _serve(aioclient_mock: AiohttpClientMocker, text: str, url: str = FEED_URL) -> None:
    aioclient_mock.clear_requests()
    aioclient_mock.get(url, text=text)


def _demo_codes(hass: HomeAssistant) -> dict[str, Any]:
    """What the demo account's locks hold, by vendor id."""
    entry = hass.config_entries.async_entries("lockbooking")[0]
    codes: dict[str, Any] = entry.runtime_data.vendor._codes
    return codes


async def _extend_while_revokes_fail(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Give the first stay a longer window while the vendor cannot revoke."""
    _serve(aioclient_mock, feed().replace(*EXTENDED, 1))
    with patch.object(
        DemoVendor, "async_revoke_code", side_effect=VendorUnavailableError("down")
    ):
        await _refresh(hass, freezer)


def _front(hass: HomeAssistant, scope: str) -> Any:
    return hass.data[LEDGER].get(FIRST_UID, FRONT, scope)


async def test_a_code_the_host_revoked_stays_revoked(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    issued = async_capture_events(hass, "lockbooking_code_issued")
    await _call(hass, "revoke_code", {"entity_id": "lock.front_door", "uid": FIRST_UID})
    record = _front(hass, init_reservations.entry_id)
    assert (record.status, record.decided_by) == (CodeStatus.REVOKED, Decider.HOST)

    with patch.object(DemoVendor, "async_issue_code", autospec=True) as spy:
        for _ in range(4):
            await _refresh(hass, freezer)
    spy.assert_not_called()
    assert issued == []
    assert _front(hass, init_reservations.entry_id).status is CodeStatus.REVOKED
    [event] = await calendar_events(hass)
    assert "Front door: revoked by the host, 24 Aug 16:00" in event["description"]

    # The stay's dates change: a new decision for automatic mode.
    _serve(aioclient_mock, feed().replace(*EXTENDED, 1))
    await _refresh(hass, freezer)
    [event] = issued
    assert event.data["uid"] == FIRST_UID
    record = _front(hass, init_reservations.entry_id)
    assert (record.status, record.decided_by) == (CodeStatus.ISSUED, Decider.AUTOMATIC)
    assert record.ends == "2026-09-03T11:00:00+02:00"


async def test_a_code_the_host_issued_is_kept_while_it_covers_the_stay(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    scope = init_reservations.entry_id
    automatic = _front(hass, scope)
    response = await _call(
        hass,
        "issue_code",
        {
            "entity_id": "lock.front_door",
            "uid": FIRST_UID,
            "name": "Anna",
            "start": "2026-08-24T14:00:00+02:00",
            "end": "2026-09-02T13:00:00+02:00",
        },
    )
    [code] = response["codes"]
    assert code["decided_by"] == "host"
    record = _front(hass, scope)
    # The demo keypad moves the code's window in place: the guest's digits stay.
    assert record.code == code["code"] == automatic.code
    assert record.vendor_id == automatic.vendor_id
    assert record.superseded is None

    issued = async_capture_events(hass, "lockbooking_code_issued")
    with patch.object(DemoVendor, "async_issue_code", autospec=True) as spy:
        for _ in range(4):
            await _refresh(hass, freezer)
    spy.assert_not_called()
    assert issued == []
    assert _front(hass, scope).code == code["code"]
    codes = await _call(hass, "get_codes", {"uid": FIRST_UID})
    [front] = [c for c in codes["codes"] if c["lock"] == "Front door"]
    assert (front["code"], front["decided_by"]) == (code["code"], "host")

    # The stay grows past the host's window: automatic mode covers it.
    _serve(aioclient_mock, feed().replace(*EXTENDED, 1))
    await _refresh(hass, freezer)
    record = _front(hass, scope)
    assert record.decided_by is Decider.AUTOMATIC
    assert record.ends == "2026-09-03T11:00:00+02:00"
    assert len(issued) == 1


@pytest.mark.usefixtures("cannot_move_in_place")
async def test_a_new_window_is_made_before_the_old_code_is_broken(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    scope = init_reservations.entry_id
    old = _front(hass, scope)
    order: list[str] = []
    issue, revoke = DemoVendor.async_issue_code, DemoVendor.async_revoke_code

    async def issuing(self: DemoVendor, lock: Any, *args: Any) -> Any:
        order.append(f"issue {lock.id}")
        return await issue(self, lock, *args)

    async def revoking(self: DemoVendor, lock: Any, code: Any) -> None:
        order.append(f"revoke {lock.id} {code.vendor_id}")
        await revoke(self, lock, code)

    _serve(aioclient_mock, feed().replace(*EXTENDED, 1))
    with (
        patch.object(DemoVendor, "async_issue_code", issuing),
        patch.object(DemoVendor, "async_revoke_code", revoking),
    ):
        await _refresh(hass, freezer)
    front = [step for step in order if "front_door" in step]
    assert front == ["issue front_door", f"revoke front_door {old.vendor_id}"]
    new = _front(hass, scope)
    assert (new.status, new.superseded) == (CodeStatus.ISSUED, None)
    assert new.ends == "2026-09-03T11:00:00+02:00"


@pytest.mark.usefixtures("cannot_move_in_place")
async def test_a_failed_new_window_leaves_the_guest_their_code(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    scope = init_reservations.entry_id
    old = _front(hass, scope)
    failed = async_capture_events(hass, "lockbooking_code_failed")
    _serve(aioclient_mock, feed().replace(*EXTENDED, 1))
    with (
        patch.object(
            DemoVendor,
            "async_issue_code",
            side_effect=VendorUnavailableError("down", unprocessed=True),
        ),
        patch.object(DemoVendor, "async_revoke_code", autospec=True) as revoke,
    ):
        await _refresh(hass, freezer)
    revoke.assert_not_called()
    assert failed
    record = _front(hass, scope)
    assert (record.status, record.code, record.ends) == (
        CodeStatus.ISSUED,
        old.code,
        old.ends,
    )
    codes = await _call(hass, "get_codes", {"uid": FIRST_UID})
    assert old.code in {c["code"] for c in codes["codes"] if c["status"] == "issued"}

    # Retried once the vendor is back: the new window, then the old code goes.
    for _ in range(3):
        freezer.tick(timedelta(minutes=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    record = _front(hass, scope)
    assert record.ends == "2026-09-03T11:00:00+02:00"
    assert record.code != old.code
    assert record.superseded is None


@pytest.mark.usefixtures("cannot_move_in_place")
async def test_an_old_code_left_by_a_failed_revoke_goes_with_a_cancellation(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    scope = init_reservations.entry_id
    old = _front(hass, scope)
    await _extend_while_revokes_fail(hass, aioclient_mock, freezer)
    record = _front(hass, scope)
    assert record.status is CodeStatus.ISSUED
    assert record.superseded is not None
    assert record.superseded.vendor_id == old.vendor_id
    assert old.vendor_id in _demo_codes(hass)  # still live at the vendor

    # The stay is cancelled before the old code could be revoked: both go.
    _serve(aioclient_mock, without_event(feed(), FIRST_UID))
    for _ in range(2):
        await _refresh(hass, freezer)
    record = _front(hass, scope)
    assert (record.status, record.superseded) == (CodeStatus.REVOKED, None)
    assert old.vendor_id not in _demo_codes(hass)
    assert record.vendor_id not in _demo_codes(hass)


@pytest.mark.usefixtures("cannot_move_in_place")
async def test_an_old_code_whose_revoke_failed_is_revoked_later(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    scope = init_reservations.entry_id
    old = _front(hass, scope)
    await _extend_while_revokes_fail(hass, aioclient_mock, freezer)
    assert _front(hass, scope).superseded is not None

    # The entry reloads: the old code is still recorded, and revoked after the lock's
    # account's next good refresh.
    assert await hass.config_entries.async_reload(scope)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _front(hass, scope).superseded is not None
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    record = _front(hass, scope)
    assert (record.status, record.superseded) == (CodeStatus.ISSUED, None)
    assert old.vendor_id not in _demo_codes(hass)
    assert record.vendor_id in _demo_codes(hass)


async def test_entries_sharing_a_lock_and_uids_keep_their_own_codes(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The same feed added twice (say as webcal:// and https://) never fights."""
    first = _front(hass, init_reservations.entry_id)
    other_url = "https://www.airbnb.com/calendar/ical/67890.ics?s=other-token"
    aioclient_mock.get(other_url, text=feed())
    other = MockConfigEntry(
        domain="lockbooking",
        title="Seaside copy",
        unique_id="reservations_copy",
        data={
            "kind": "reservations",
            "name": "Seaside copy",
            "url": other_url,
            "locks": [FRONT],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options={"margin_before_minutes": 60},
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    second = _front(hass, other.entry_id)
    assert second.status is CodeStatus.ISSUED
    assert second.code != first.code

    with patch.object(DemoVendor, "async_issue_code", autospec=True) as spy:
        for _ in range(4):
            await _refresh(hass, freezer)
    spy.assert_not_called()
    assert _front(hass, init_reservations.entry_id) == first

    # The copy's stay is cancelled: only its own code goes.
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=feed())
    aioclient_mock.get(other_url, text=without_event(feed(), FIRST_UID))
    for _ in range(2):
        await _refresh(hass, freezer)
    assert _front(hass, other.entry_id).status is CodeStatus.REVOKED
    assert _front(hass, init_reservations.entry_id) == first


async def test_a_guest_inside_keeps_their_code_when_a_margin_changes(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    scope = init_reservations.entry_id
    freezer.move_to("2026-08-24T17:00:00+02:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    arrived = _front(hass, scope)
    assert arrived.used_at is not None  # the demo guest typed it at 16:42

    with (
        patch.object(DemoVendor, "async_issue_code", autospec=True) as issue,
        patch.object(DemoVendor, "async_revoke_code", autospec=True) as revoke,
    ):
        hass.config_entries.async_update_entry(
            init_reservations, options={"margin_after_minutes": 60}
        )
        assert await hass.config_entries.async_reload(scope)
        await hass.async_block_till_done(wait_background_tasks=True)
        await _refresh(hass, freezer)
    issue.assert_not_called()
    revoke.assert_not_called()
    kept = _front(hass, scope)
    assert (kept.code, kept.ends) == (arrived.code, arrived.ends)

    # The stay itself grows: the guest's window follows (make before break).
    _serve(aioclient_mock, feed().replace(*EXTENDED, 1))
    await _refresh(hass, freezer)
    assert _front(hass, scope).ends == "2026-09-03T12:00:00+02:00"


async def test_a_lost_ledger_looks_at_the_vendor_before_issuing(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    scope = init_reservations.entry_id
    before = _front(hass, scope)
    held = dict(_demo_codes(hass))

    # The ledger file is gone (a restored backup without it, say).
    hass_storage.pop(STORAGE_KEY, None)
    lost = CodeLedger(hass)
    await lost.async_load()
    assert lost.recovering
    hass.data[LEDGER] = lost
    assert await hass.config_entries.async_reload(scope)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert _demo_codes(hass) == held  # no second code on the lock
    found = lost.get(FIRST_UID, FRONT, scope)
    assert (found.status, found.code, found.vendor_id) == (
        CodeStatus.ISSUED,
        before.code,
        before.vendor_id,
    )


@pytest.mark.usefixtures("cannot_move_in_place")
async def test_a_stop_between_making_and_breaking_loses_and_doubles_nothing(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    scope = init_reservations.entry_id
    old = _front(hass, scope)
    issue = DemoVendor.async_issue_code

    async def accepted_then_stopped(self: DemoVendor, lock: Any, *args: Any) -> Any:
        issued = await issue(self, lock, *args)
        if lock.id == "front_door":
            raise asyncio.CancelledError  # Home Assistant stops right here
        return issued

    _serve(aioclient_mock, feed().replace(*EXTENDED, 1))
    with patch.object(DemoVendor, "async_issue_code", accepted_then_stopped):
        await _refresh(hass, freezer)
    left = _front(hass, scope)
    # Left pending with the old code recorded, or already settled by the account's
    # refresh that came with the same tick: the guest holds a working code meanwhile.
    assert left.status in (CodeStatus.PENDING, CodeStatus.ISSUED)
    assert left.superseded is not None or old.vendor_id not in _demo_codes(hass)
    assert {old.vendor_id, left.vendor_id} & set(_demo_codes(hass))

    # The account's next good refresh settles it: the new code kept, the old one gone.
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    record = _front(hass, scope)
    assert (record.status, record.superseded) == (CodeStatus.ISSUED, None)
    assert record.ends == "2026-09-03T11:00:00+02:00"
    assert old.vendor_id not in _demo_codes(hass)
    front_codes = [c for c in _demo_codes(hass).values() if c.lock_id == "front_door"]
    assert [c.vendor_id for c in front_codes] == [record.vendor_id]


async def test_a_new_window_moves_the_code_in_place_where_the_lock_can(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    scope = init_reservations.entry_id
    old = _front(hass, scope)
    _serve(aioclient_mock, feed().replace(*EXTENDED, 1))
    with patch.object(DemoVendor, "async_revoke_code", autospec=True) as revoke:
        await _refresh(hass, freezer)
    revoke.assert_not_called()
    moved = _front(hass, scope)
    assert (moved.code, moved.vendor_id) == (old.code, old.vendor_id)
    assert moved.ends == "2026-09-03T11:00:00+02:00"
    assert _demo_codes(hass)[old.vendor_id].window.end == datetime.fromisoformat(
        moved.ends
    )


async def test_a_cancelled_stay_whose_code_had_an_unknown_outcome_loses_it(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The vendor made the code but the answer was lost: the cancellation still ends it."""
    aioclient_mock.get(FEED_URL, text=feed())
    reservations_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        reservations_entry, options={"auto_issue": False}
    )
    assert await hass.config_entries.async_setup(reservations_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    scope = reservations_entry.entry_id
    issue = DemoVendor.async_issue_code

    async def made_then_timed_out(self: DemoVendor, lock: Any, *args: Any) -> Any:
        await issue(self, lock, *args)
        raise VendorUnavailableError("timeout")  # outcome unknown

    with (
        patch.object(DemoVendor, "async_issue_code", made_then_timed_out),
        pytest.raises(HomeAssistantError),
    ):
        await _call(
            hass,
            "issue_code",
            {
                "entity_id": "lock.front_door",
                "uid": FIRST_UID,
                "start": "2026-08-24T16:00:00+02:00",
                "end": "2026-09-02T11:00:00+02:00",
            },
        )
    record = _front(hass, scope)
    assert (record.status, record.uncertain) == (CodeStatus.FAILED, True)
    made = [c for c in _demo_codes(hass).values() if c.lock_id == "front_door"]
    assert len(made) == 1

    _serve(aioclient_mock, without_event(feed(), FIRST_UID))
    for _ in range(2):
        await _refresh(hass, freezer)
    assert _front(hass, scope).status is CodeStatus.REVOKED
    assert made[0].vendor_id not in _demo_codes(hass)
