"""Guest arrival: a stay's first code use, found once; a warning when nobody came."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

from custom_components.lockbooking.code_record import CodeRecord, CodeStatus
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.models import CodeUse
from custom_components.lockbooking.reservations.arrivals import _arrivals
from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.demo import vendor as demo
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir

from .conftest import FEED_URL, FIRST_UID, SECOND_UID, feed, setup_seaside_flat

ARRIVED = "lockbooking_guest_arrived"
NOT_ARRIVED = "lockbooking_guest_not_arrived"
THIRD_UID = "1418fb94e984-772d991f737a685f963389fcaa45398a@airbnb.com"


async def _setup(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    locks: list[str],
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    demo_locks = [f"demo_demo:{lock}" for lock in locks]
    return await setup_seaside_flat(
        hass, aioclient_mock, "01JARRIVALS000000000000000", demo_locks, options
    )


async def _at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: str) -> None:
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _issue_id(entry: MockConfigEntry, uid: str) -> str:
    return f"not_arrived_{entry.entry_id}_{uid}"


async def test_arrival_is_found_once_and_shown(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    entry = await _setup(hass, aioclient_mock, ["front_door", "garden_gate", "cabin"])

    await _at(hass, freezer, "2026-08-24T16:40:00+02:00")
    assert arrived == []  # the demo guest types the code 42 minutes into the window
    await _at(hass, freezer, "2026-08-24T16:46:00+02:00")

    [event] = arrived
    assert event.data["uid"] == FIRST_UID
    assert event.data["entry_id"] == entry.entry_id
    assert event.data["lock"] in {"Front door", "Garden gate"}
    assert event.data["code_kind"] in {"keypad", "visitor_pin"}
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 14, 42, tzinfo=UTC
    )
    assert event.data["checkin"] == "2026-08-24T16:00:00+02:00"
    assert "code" not in event.data
    assert "lock_key" not in event.data
    assert event.data["entity_id"] in {"lock.front_door", "lock.garden_gate"}

    description = hass.states.get("calendar.seaside_flat").attributes["description"]
    assert "Guest arrived 16:42" in description
    assert "Front door: issued, 24 Aug 16:00 to 02 Sep 11:00, used 16:42" in description
    assert (
        "Garden gate: issued, 24 Aug 16:00 to 02 Sep 11:00, used 16:42" in description
    )
    # An offline padlock reports nothing.
    assert "Cabin: issued, 24 Aug 16:00 to 02 Sep 11:00\n" in description + "\n"

    state = hass.states.get("event.seaside_flat_arrival")
    assert state.attributes["event_type"] == "arrived"
    assert state.attributes["uid"] == FIRST_UID
    assert datetime.fromisoformat(state.state) == datetime(
        2026, 8, 24, 14, 46, tzinfo=UTC
    )

    # Later reads, a reload and a restart of the entry find the same use: no second event.
    await _at(hass, freezer, "2026-08-24T17:30:00+02:00")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await _at(hass, freezer, "2026-08-24T17:40:00+02:00")
    assert len(arrived) == 1
    # Arrival on any lock: no not-arrived warning for the algoPIN padlock either.
    await _at(hass, freezer, "2026-08-25T09:00:00+02:00")
    assert not ir.async_get(hass).async_get_issue(
        "lockbooking", _issue_id(entry, FIRST_UID)
    )


async def test_snapshot_after_an_arrival(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    with patch(
        "custom_components.lockbooking.RESERVATIONS_PLATFORMS", [Platform.EVENT]
    ):
        entry = await _setup(hass, aioclient_mock, ["front_door", "cabin"])
        await _at(hass, freezer, "2026-08-24T16:50:00+02:00")
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_a_stay_that_moves_after_the_arrival_stays_arrived(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    entry = await _setup(hass, aioclient_mock, ["front_door"])
    await _at(hass, freezer, "2026-08-24T16:50:00+02:00")
    first = hass.data[LEDGER].get(FIRST_UID, "demo_demo:front_door")
    assert first.used_at is not None

    # The guest stays a night longer: a new code for the new dates, still arrived.
    aioclient_mock.clear_requests()
    aioclient_mock.get(
        FEED_URL,
        text=feed().replace("DTEND;VALUE=DATE:20260902", "DTEND;VALUE=DATE:20260903"),
    )
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    moved = hass.data[LEDGER].get(FIRST_UID, "demo_demo:front_door")
    assert moved.ends == "2026-09-03T11:00:00+02:00"
    assert moved.code == first.code  # moved in place: the guest keeps the digits
    assert moved.used_at == first.used_at

    await _at(hass, freezer, "2026-08-24T18:00:00+02:00")
    assert len(arrived) == 1


async def test_an_arrival_after_midnight_shows_its_date(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    with patch.object(demo, "GUEST_ARRIVES_AFTER", timedelta(hours=9, minutes=10)):
        await _setup(hass, aioclient_mock, ["front_door"])
        await _at(hass, freezer, "2026-08-25T01:15:00+02:00")
    description = hass.states.get("calendar.seaside_flat").attributes["description"]
    assert "Guest arrived 01:10 on 2026-08-25" in description


async def test_logs_are_read_only_while_a_live_code_is_unused(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    reads: list[tuple[str, datetime]] = []
    real = DemoVendor.async_get_code_uses

    async def counting(self: DemoVendor, lock: Any, since: datetime) -> list[CodeUse]:
        reads.append((lock.id, since))
        return await real(self, lock, since)

    with (
        patch.object(DemoVendor, "async_get_code_uses", counting),
        patch.object(demo, "GUEST_ARRIVES_AFTER", timedelta(hours=3)),
    ):
        await _setup(hass, aioclient_mock, ["front_door", "cabin"])
        for hour in range(13, 16):
            await _at(hass, freezer, f"2026-08-24T{hour}:59:00+02:00")
        assert reads == []  # codes issued, but their window has not begun

        for moment in ("16:05", "17:00", "18:00", "19:05", "20:00"):
            await _at(hass, freezer, f"2026-08-24T{moment}:00+02:00")
        await _at(hass, freezer, "2026-08-26T18:00:00+02:00")
    # Only the lock that can tell: from the code's start, then from the last read
    # (less a margin for late logs), and no more once the guest is in.
    assert reads == [
        ("front_door", datetime(2026, 8, 24, 14, 0, tzinfo=UTC)),
        ("front_door", datetime(2026, 8, 24, 14, 0, tzinfo=UTC)),
        ("front_door", datetime(2026, 8, 24, 14, 30, tzinfo=UTC)),
        ("front_door", datetime(2026, 8, 24, 15, 30, tzinfo=UTC)),
    ]


async def test_a_log_that_cannot_be_read_is_read_again_later(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    real = DemoVendor.async_get_code_uses
    failing = True

    async def flaky(self: DemoVendor, lock: Any, since: datetime) -> list[CodeUse]:
        if failing:
            raise VendorUnavailableError("bridge offline")
        return await real(self, lock, since)

    with patch.object(DemoVendor, "async_get_code_uses", flaky):
        await _setup(hass, aioclient_mock, ["front_door"])
        await _at(hass, freezer, "2026-08-24T16:50:00+02:00")
        assert arrived == []
        failing = False
        await _at(hass, freezer, "2026-08-24T17:30:00+02:00")
    [event] = arrived
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 14, 42, tzinfo=UTC
    )
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("custom_components") and r.levelno >= 30
    ]


async def test_a_refused_log_read_is_logged_once(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def refused(self: DemoVendor, lock: Any, since: datetime) -> list[CodeUse]:
        raise VendorRejectedError("the token lacks the system log scope")

    with patch.object(DemoVendor, "async_get_code_uses", refused):
        await _setup(hass, aioclient_mock, ["front_door"])
        for moment in ("16:50", "17:00", "17:10"):
            await _at(hass, freezer, f"2026-08-24T{moment}:00+02:00")
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components") and r.levelno >= 30
    ]
    assert warnings == [
        "Seaside flat: the log of Front door cannot be read, so arrivals there are not seen: "
        "the token lacks the system log scope"
    ]


async def test_algopin_stay_not_arrived_is_warned_once(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    warned = async_capture_events(hass, NOT_ARRIVED)
    entry = await _setup(hass, aioclient_mock, ["cabin"])
    issues = ir.async_get(hass)

    await _at(hass, freezer, "2026-08-24T21:55:00+02:00")
    assert warned == []
    await _at(hass, freezer, "2026-08-24T22:01:00+02:00")

    [event] = warned
    assert event.data["uid"] == FIRST_UID
    assert event.data["locks"] == ["Cabin"]
    assert datetime.fromisoformat(event.data["first_use_deadline"]) == datetime(
        2026, 8, 25, 14, 0, tzinfo=UTC
    )
    issue = issues.async_get_issue("lockbooking", _issue_id(entry, FIRST_UID))
    assert issue is not None
    assert issue.translation_key == "guest_not_arrived_algopin"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders["deadline"] == "2026-08-25 16:00"
    assert issue.translation_placeholders["checkin"] == "2026-08-24 16:00"
    state = hass.states.get("event.seaside_flat_arrival")
    assert state.attributes["event_type"] == "not_arrived"

    # Neither a later run nor a reload warns twice.
    await _at(hass, freezer, "2026-08-24T23:00:00+02:00")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await _at(hass, freezer, "2026-08-25T08:00:00+02:00")
    assert len(warned) == 1
    assert (
        issues.async_get_issue("lockbooking", _issue_id(entry, FIRST_UID)) is not None
    )

    # The stay ends: its warning goes.
    await _at(hass, freezer, "2026-09-02T11:05:00+02:00")
    assert issues.async_get_issue("lockbooking", _issue_id(entry, FIRST_UID)) is None


async def test_a_code_issued_mid_stay_gets_the_whole_delay(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    warned = async_capture_events(hass, NOT_ARRIVED)
    freezer.move_to("2026-08-25T10:00:00+02:00")  # the entry is added during the stay
    entry = await _setup(hass, aioclient_mock, ["cabin"])
    assert (
        hass.data[LEDGER].get(FIRST_UID, "demo_demo:cabin").status is CodeStatus.ISSUED
    )

    await _at(hass, freezer, "2026-08-25T15:55:00+02:00")
    assert warned == []
    await _at(hass, freezer, "2026-08-25T16:01:00+02:00")
    assert [event.data["uid"] for event in warned] == [FIRST_UID]
    assert ir.async_get(hass).async_get_issue(
        "lockbooking", _issue_id(entry, FIRST_UID)
    )


async def test_every_stay_warned_then_the_guest_arrives(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    warned = async_capture_events(hass, NOT_ARRIVED)
    arrived = async_capture_events(hass, ARRIVED)
    with patch.object(demo, "GUEST_ARRIVES_AFTER", timedelta(hours=7)):
        entry = await _setup(
            hass,
            aioclient_mock,
            ["front_door"],
            {"not_arrived_warning": "all", "not_arrived_hours": 4},
        )
        await _at(hass, freezer, "2026-08-24T20:01:00+02:00")
        [event] = warned
        assert event.data["first_use_deadline"] is None
        issue = ir.async_get(hass).async_get_issue(
            "lockbooking", _issue_id(entry, FIRST_UID)
        )
        assert issue.translation_key == "guest_not_arrived"
        assert issue.translation_placeholders["locks"] == "Front door"

        await _at(hass, freezer, "2026-08-24T23:05:00+02:00")
    [event] = arrived
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 21, 0, tzinfo=UTC
    )
    assert (
        ir.async_get(hass).async_get_issue("lockbooking", _issue_id(entry, FIRST_UID))
        is None
    )
    assert (
        hass.states.get("event.seaside_flat_arrival").attributes["event_type"]
        == "arrived"
    )
    assert len(warned) == 1


@pytest.mark.parametrize(
    ("locks", "options"),
    [
        (["front_door"], {}),  # by default only algoPIN stays are warned about
        (["cabin"], {"not_arrived_warning": "off"}),
    ],
)
async def test_no_warning(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    locks: list[str],
    options: dict[str, Any],
) -> None:
    warned = async_capture_events(hass, NOT_ARRIVED)
    with patch.object(demo, "GUEST_ARRIVES_AFTER", timedelta(days=30)):
        await _setup(hass, aioclient_mock, locks, options)
        await _at(hass, freezer, "2026-08-25T09:00:00+02:00")
    assert warned == []
    assert not [
        i for (domain, i) in ir.async_get(hass).issues if i.startswith("not_arrived")
    ]


async def test_removing_the_entry_removes_its_warnings(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await _setup(hass, aioclient_mock, ["cabin"])
    await _at(hass, freezer, "2026-08-24T22:01:00+02:00")
    assert ir.async_get(hass).async_get_issue(
        "lockbooking", _issue_id(entry, FIRST_UID)
    )

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert (
        ir.async_get(hass).async_get_issue("lockbooking", _issue_id(entry, FIRST_UID))
        is None
    )


async def test_each_stay_has_its_own_code_and_its_own_arrival(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    await _setup(hass, aioclient_mock, ["front_door"], {"issue_hours_before": 720})
    ledger = hass.data[LEDGER]
    records = [
        ledger.get(uid, "demo_demo:front_door")
        for uid in (FIRST_UID, SECOND_UID, THIRD_UID)
    ]
    assert all(record.status is CodeStatus.ISSUED for record in records)
    # No two stays' codes on a lock share digits or an id: a use names one stay.
    assert len({record.code for record in records}) == 3
    assert len({record.vendor_id for record in records}) == 3

    await _at(hass, freezer, "2026-08-24T17:00:00+02:00")
    await _at(hass, freezer, "2026-09-02T17:00:00+02:00")
    assert [event.data["uid"] for event in arrived] == [FIRST_UID, SECOND_UID]
    assert ledger.get(THIRD_UID, "demo_demo:front_door").used_at is None


def _record(
    uid: str, code: str, vendor_id: str | None, starts: str, ends: str
) -> CodeRecord:
    return CodeRecord(
        uid=uid,
        lock_key="acc:lock",
        lock_name="Door",
        name="Guest",
        requested_start=starts,
        requested_end=ends,
        status=CodeStatus.ISSUED,
        kind="keypad",
        code=code,
        vendor_id=vendor_id,
        starts=starts,
        ends=ends,
    )


def test_uses_match_their_own_code_inside_its_window() -> None:
    first = _record(
        "a", "123456", "id-a", "2026-08-24T14:00:00+00:00", "2026-09-02T09:00:00+00:00"
    )
    second = _record(
        "b", "654321", "id-b", "2026-09-02T14:00:00+00:00", "2026-09-08T09:00:00+00:00"
    )
    digits_only = _record(
        "c", "777777", None, "2026-08-24T14:00:00+00:00", "2026-09-02T09:00:00+00:00"
    )
    at = datetime(2026, 8, 24, 15, 0, tzinfo=UTC)
    uses = [
        CodeUse(at=at - timedelta(hours=2), vendor_id="id-a"),  # before its window
        CodeUse(at=at + timedelta(hours=1), vendor_id="id-a"),
        CodeUse(at=at, vendor_id="id-a"),
        CodeUse(at=at, vendor_id="id-b"),  # b's code, before b's window
        CodeUse(at=at, vendor_id="someone-else", code="123456"),  # digits: a's
        CodeUse(at=at + timedelta(minutes=5), code="777777"),
        CodeUse(at=at - timedelta(minutes=5), vendor_id="other"),
    ]
    found = {
        arrival.record.uid: arrival.at
        for arrival in _arrivals([first, second, digits_only], uses)
    }
    assert found == {"a": at, "c": at + timedelta(minutes=5)}


async def test_the_not_arrived_deadline_is_the_earliest_use_by_of_the_records(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Whatever its kind, a code whose record has a `use_by` is warned about by then."""
    warned = async_capture_events(hass, NOT_ARRIVED)
    with patch.object(demo, "GUEST_ARRIVES_AFTER", timedelta(days=30)):
        entry = await _setup(hass, aioclient_mock, ["front_door", "cabin"])
        ledger = hass.data[LEDGER]
        cabin = ledger.get(FIRST_UID, "demo_demo:cabin")
        # The demo vendor issues algoPINs the way igloohome does: 24 hours to use them.
        assert cabin.use_by == "2026-08-25T16:00:00+02:00"
        front = ledger.get(FIRST_UID, "demo_demo:front_door")
        assert front.use_by is None
        await ledger.async_put(replace(front, use_by="2026-08-25T09:30:00+00:00"))
        await _at(hass, freezer, "2026-08-24T22:01:00+02:00")

    [event] = warned
    assert sorted(event.data["locks"]) == ["Cabin", "Front door"]
    assert event.data["first_use_deadline"] == "2026-08-25T09:30:00+00:00"
    issue = ir.async_get(hass).async_get_issue(
        "lockbooking", _issue_id(entry, FIRST_UID)
    )
    assert issue.translation_key == "guest_not_arrived_algopin"
    assert issue.translation_placeholders["deadline"] == "2026-08-25 11:30"
