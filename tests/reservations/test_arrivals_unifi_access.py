"""Guest arrival end to end with UniFi Access: a visitor's PIN in the console's system log.

The console is mocked at its real URLs with the vendor tests' payloads. Its system log is
tests/fixtures/unifi_access/system_logs.json moved 40 days on (2026-07-15 -> 2026-08-24,
both CEST), so its visitor's PIN opens the main door at 16:42:05, 42 minutes into the first
stay's code window, among other entries the watcher must pass over: the same visitor at
15:00 (before the window), a refused PIN, her PIN at the garden gate, her QR code, the
host's PIN, card and app, and another visitor. The console answers only what is logged by
the (frozen) present moment.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.lockbooking.ledger import LEDGER
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..helpers import lock_device
from ..vendors.unifi_access.conftest import (  # noqa: F401 (entry, no_retry_waits: fixtures)
    HOST,
    LOGS_URL,
    MAIN_DOOR,
    PIN_URL,
    VISITOR_ID,
    VISITOR_URL,
    VISITORS_URL,
    entry,
    fixture,
    mock_doors,
    no_retry_waits,
)
from .conftest import FIRST_UID, setup_seaside_flat

ARRIVED = "lockbooking_guest_arrived"
NOT_ARRIVED = "lockbooking_guest_not_arrived"
LOCK_KEY = f"{HOST}:{MAIN_DOOR}"
SHIFT = timedelta(days=40)
GUEST_PIN_ID = "0418d6a38f00-00000004"  # her PIN opening the main door, 16:42:05
CHECKIN = datetime(2026, 8, 24, 14, 0, tzinfo=UTC)  # 16:00 in Vienna


def _hits() -> list[dict[str, Any]]:
    """The fixture's log entries, 40 days later."""
    hits = copy.deepcopy(fixture("system_logs.json")["data"]["hits"])
    for hit in hits:
        hit["_source"]["event"]["published"] += int(SHIFT.total_seconds() * 1000)
        moved = datetime.fromisoformat(hit["@timestamp"]) + SHIFT
        hit["@timestamp"] = moved.strftime("%Y-%m-%dT%H:%M:%SZ")
    return hits


def _published(hit: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(hit["_source"]["event"]["published"] / 1000, UTC)


class Console:
    """The system log endpoint: what has been logged by now, or an HTTP error."""

    def __init__(self, hits: list[dict[str, Any]]) -> None:
        self.hits = hits
        self.failing_status: int | None = None
        self.bodies: list[Any] = []

    async def answer(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        self.bodies.append(data)
        if self.failing_status is not None:
            return AiohttpClientMockResponse(
                method, url, status=self.failing_status, text=""
            )
        now = dt_util.utcnow()
        logged = [hit for hit in self.hits if _published(hit) <= now]
        page = {"code": "SUCCESS", "msg": "success", "data": {"hits": logged}}
        return AiohttpClientMockResponse(method, url, json=page)


def _log_reads(aioclient_mock: AiohttpClientMocker) -> int:
    return sum(
        1 for _, url, _, _ in aioclient_mock.mock_calls if str(url).startswith(LOGS_URL)
    )


async def _setup(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    account: MockConfigEntry,
    console: Console,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """The console's account, then a reservations entry whose scheduler issues the stay's PIN."""
    mock_doors(aioclient_mock)
    aioclient_mock.post(VISITORS_URL, json=fixture("visitor.json"))
    aioclient_mock.post(PIN_URL, json=fixture("pin_code.json"))
    aioclient_mock.put(f"{VISITOR_URL}/pin_codes", json=fixture("success.json"))
    aioclient_mock.post(LOGS_URL, side_effect=console.answer)
    account.add_to_hass(hass)
    assert await hass.config_entries.async_setup(account.entry_id)
    await hass.async_block_till_done()

    reservations = await setup_seaside_flat(
        hass, aioclient_mock, "01JARRIVALSUNIFI0000000000", [LOCK_KEY], options
    )
    # Issued through the console two days ahead, as the visitor the log names.
    [visitor] = [
        body
        for method, url, body, _ in aioclient_mock.mock_calls
        if url == URL(VISITORS_URL)
    ]
    assert visitor["resources"] == [{"id": MAIN_DOOR, "type": "door"}]
    assert visitor["start_time"] == CHECKIN.timestamp()
    record = hass.data[LEDGER].get(FIRST_UID, LOCK_KEY)
    assert record.vendor_id == VISITOR_ID
    assert record.kind == "visitor_pin"
    assert datetime.fromisoformat(record.starts) == CHECKIN
    return reservations


async def _at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: str) -> None:
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _not_arrived_issue(
    hass: HomeAssistant, reservations: MockConfigEntry
) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        "lockbooking", f"not_arrived_{reservations.entry_id}_{FIRST_UID}"
    )


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components") and r.levelno >= 30
    ]


async def test_the_guests_pin_is_her_arrival(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    console = Console(_hits())
    await _setup(hass, aioclient_mock, entry, console)

    await _at(hass, freezer, "2026-08-24T16:40:00+02:00")
    # Read from the code's start; only refused, earlier and other people's entries so far.
    assert console.bodies == [
        {"topic": "door_openings", "since": int(CHECKIN.timestamp())}
    ]
    assert arrived == []

    await _at(hass, freezer, "2026-08-24T16:46:00+02:00")
    [event] = arrived
    assert event.data["uid"] == FIRST_UID
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 14, 42, 5, tzinfo=UTC
    )
    assert event.data["lock"] == "UNVR - 1F - Main Door"
    assert "lock_key" not in event.data
    device = lock_device(hass, LOCK_KEY)
    assert event.data["device_id"] == device.id
    assert event.data["code_kind"] == "visitor_pin"
    description = hass.states.get("calendar.seaside_flat").attributes["description"]
    assert "Guest arrived 16:42" in description
    assert (
        hass.states.get("event.seaside_flat_arrival").attributes["event_type"]
        == "arrived"
    )


async def test_after_the_arrival_the_log_is_left_alone(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    reservations = await _setup(hass, aioclient_mock, entry, Console(_hits()))
    await _at(hass, freezer, "2026-08-24T16:46:00+02:00")
    assert len(arrived) == 1
    reads = _log_reads(aioclient_mock)
    assert reads == 1

    # Her later uses (20:15) and another visitor's (21:05) are logged meanwhile.
    for moment in ("17:00", "18:00", "20:20", "21:10"):
        await _at(hass, freezer, f"2026-08-24T{moment}:00+02:00")
    assert await hass.config_entries.async_reload(reservations.entry_id)
    await hass.async_block_till_done()
    for moment in ("21:20", "22:00"):
        await _at(hass, freezer, f"2026-08-24T{moment}:00+02:00")

    assert len(arrived) == 1
    assert _log_reads(aioclient_mock) == reads


@pytest.mark.parametrize("status", [429, 503])
async def test_a_failed_log_read_is_retried_on_the_next_tick(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    console = Console(_hits())
    await _setup(hass, aioclient_mock, entry, console)
    console.failing_status = status

    await _at(hass, freezer, "2026-08-24T16:46:00+02:00")
    assert arrived == []
    failed = _log_reads(aioclient_mock)
    assert failed == 3  # the read itself is tried three times

    console.failing_status = None
    await _at(hass, freezer, "2026-08-24T16:52:00+02:00")
    [event] = arrived
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 14, 42, 5, tzinfo=UTC
    )
    assert _log_reads(aioclient_mock) == failed + 1
    # Still read from the code's start: the failed read moved nothing on.
    assert console.bodies[-1] == {
        "topic": "door_openings",
        "since": int(CHECKIN.timestamp()),
    }
    assert _warnings(caplog) == []


async def test_not_arrived_warning_then_the_guest_comes(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    warned = async_capture_events(hass, NOT_ARRIVED)
    arrived = async_capture_events(hass, ARRIVED)
    # She does not come at 16:42; her PIN opens the main door first at 20:15:31.
    console = Console([hit for hit in _hits() if hit["_id"] != GUEST_PIN_ID])
    reservations = await _setup(
        hass,
        aioclient_mock,
        entry,
        console,
        {"not_arrived_warning": "all", "not_arrived_hours": 4},
    )

    for moment in ("16:46", "18:00", "19:54"):
        await _at(hass, freezer, f"2026-08-24T{moment}:00+02:00")
    assert warned == []
    assert _not_arrived_issue(hass, reservations) is None

    await _at(hass, freezer, "2026-08-24T20:01:00+02:00")
    [warning] = warned
    assert warning.data["uid"] == FIRST_UID
    assert warning.data["locks"] == ["UNVR - 1F - Main Door"]
    issue = _not_arrived_issue(hass, reservations)
    assert issue is not None
    assert issue.translation_key == "guest_not_arrived"
    await _at(hass, freezer, "2026-08-24T20:10:00+02:00")
    assert len(warned) == 1
    assert arrived == []

    await _at(hass, freezer, "2026-08-24T20:20:00+02:00")
    [event] = arrived
    assert datetime.fromisoformat(event.data["time"]) == datetime(
        2026, 8, 24, 18, 15, 31, tzinfo=UTC
    )
    assert _not_arrived_issue(hass, reservations) is None
    assert len(warned) == 1
