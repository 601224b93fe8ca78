"""Guest arrival end to end with Nuki Web: a keypad code's authorization in the activity log.

Nuki Web is mocked at its real URLs with the vendor tests' payloads. The scheduler issues
the first stay's keypad code through the real PUT and the look-up that finds its
authorization (OUR_AUTH). The front door's log is tests/fixtures/nuki/log.json moved 23 days
and an hour on, from the vendor tests' check-in (2026-08-01 13:00 UTC) to the first stay's
(2026-08-24 14:00 UTC, 16:00 in Vienna): the guest's code opens the door at 19:42:11, among
entries the watcher must pass over: her code 5 minutes before the window, at the cellar
door, refused by the lock, locking, and by tap to unlock; a refused code without an
authorization; the cleaner's code and fingerprint; the host's app; a manual turn; a door
sensor event. Nuki answers only what is logged by the (frozen) present, from `fromDate` on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
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
from ..vendors.nuki.conftest import (  # noqa: F401 (init_nuki, its fixtures, no_find_delays)
    AUTHS_URL,
    FRONT,
    LOG_URL,
    OUR_AUTH,
    fixture,
    init_nuki,
    log_queries,
    new_auth,
    no_find_delays,
    nuki_api,
    nuki_entry,
)
from .conftest import FIRST_UID, setup_seaside_flat

ARRIVED = "lockbooking_guest_arrived"
NOT_ARRIVED = "lockbooking_guest_not_arrived"
LOCK_KEY = f"123456:{FRONT}"  # the account's unique_id and the lock's smartlockId
SHIFT = timedelta(days=23, hours=1)
GUEST_ENTRY = "68ad0e54a1b2c3d4e5f60f2c"  # her code opening the front door
CHECKIN = datetime(2026, 8, 24, 14, 0, tzinfo=UTC)  # 16:00 in Vienna
GUEST_AT = datetime(2026, 8, 24, 17, 42, 11, tzinfo=UTC)  # 19:42:11 in Vienna


def _date(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["date"])


def _log() -> list[dict[str, Any]]:
    """The fixture's front door log, newest first as Nuki sends it, moved to the first stay."""
    entries = fixture("log")
    for entry in entries:
        entry["date"] = _nuki(_date(entry) + SHIFT)
    return entries


def _nuki(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.000Z"


class NukiWeb:
    """The front door's keypad authorizations and activity log."""

    def __init__(self, log: list[dict[str, Any]]) -> None:
        self.auths: list[dict[str, Any]] = fixture("auths")
        self.log = log
        self.failing_status: int | None = None

    async def auth(self, method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        if method.upper() == "PUT":  # created; listed with its id from the next GET on
            window = {key: data[key] for key in ("allowedFromDate", "allowedUntilDate")}
            self.auths.append(new_auth(data["code"], data["name"], **window))
            return AiohttpClientMockResponse(method, url, status=HTTPStatus.NO_CONTENT)
        return AiohttpClientMockResponse(method, url, json=self.auths)

    async def activity(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        if self.failing_status is not None:
            return AiohttpClientMockResponse(
                method, url, status=self.failing_status, text=""
            )
        since, now = datetime.fromisoformat(url.query["fromDate"]), dt_util.utcnow()
        logged = [entry for entry in self.log if since <= _date(entry) <= now]
        return AiohttpClientMockResponse(method, url, json=logged)


async def _setup(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    nuki: NukiWeb,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """A reservations entry on the front door; its scheduler issues the stay's code."""
    aioclient_mock.get(AUTHS_URL, side_effect=nuki.auth)
    aioclient_mock.put(AUTHS_URL, side_effect=nuki.auth)
    aioclient_mock.get(LOG_URL, side_effect=nuki.activity)
    reservations = await setup_seaside_flat(
        hass, aioclient_mock, "01JARRIVALSNUKI00000000000", [LOCK_KEY], options
    )
    record = hass.data[LEDGER].get(FIRST_UID, LOCK_KEY)
    assert record.vendor_id == OUR_AUTH  # the authorization the log names
    assert record.kind == "keypad"
    assert datetime.fromisoformat(record.starts) == CHECKIN
    return reservations


async def _at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: str) -> None:
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _issue(hass: HomeAssistant, reservations: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        "lockbooking", f"not_arrived_{reservations.entry_id}_{FIRST_UID}"
    )


async def test_the_guests_code_is_her_arrival(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    reservations = await _setup(hass, aioclient_mock, NukiWeb(_log()))

    await _at(hass, freezer, "2026-08-24T19:40:00+02:00")
    assert arrived == []  # only other people's, refused and earlier entries so far
    assert log_queries(aioclient_mock) == [{"fromDate": _nuki(CHECKIN), "limit": "50"}]

    await _at(hass, freezer, "2026-08-24T19:46:00+02:00")
    [event] = arrived
    assert event.data["uid"] == FIRST_UID
    assert event.data["entry_id"] == reservations.entry_id
    assert datetime.fromisoformat(event.data["time"]) == GUEST_AT
    assert event.data["lock"] == "Front door"
    assert "lock_key" not in event.data
    device = lock_device(hass, LOCK_KEY)
    assert event.data["device_id"] == device.id
    assert event.data["code_kind"] == "keypad"
    description = hass.states.get("calendar.seaside_flat").attributes["description"]
    assert "Guest arrived 19:42" in description
    assert (
        hass.states.get("event.seaside_flat_arrival").attributes["event_type"]
        == "arrived"
    )


async def test_after_the_arrival_the_log_is_left_alone(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    reservations = await _setup(hass, aioclient_mock, NukiWeb(_log()))
    await _at(hass, freezer, "2026-08-24T19:46:00+02:00")
    assert len(arrived) == 1
    reads = len(log_queries(aioclient_mock))
    assert reads == 1

    # Her code locks the door at 22:05 meanwhile; the cleaner's finger opens it at 21:30.
    for moment in ("20:00", "21:00", "21:40", "22:10"):
        await _at(hass, freezer, f"2026-08-24T{moment}:00+02:00")
    assert await hass.config_entries.async_reload(reservations.entry_id)
    await hass.async_block_till_done()
    for moment in ("22:20", "23:00"):
        await _at(hass, freezer, f"2026-08-24T{moment}:00+02:00")

    assert len(arrived) == 1
    assert len(log_queries(aioclient_mock)) == reads
    assert hass.data[LEDGER].get(FIRST_UID, LOCK_KEY).used_at == GUEST_AT.isoformat()


@pytest.mark.parametrize(
    "status", [HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE]
)
async def test_a_failed_log_read_is_retried_on_the_next_tick(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    status: HTTPStatus,
) -> None:
    arrived = async_capture_events(hass, ARRIVED)
    nuki = NukiWeb(_log())
    await _setup(hass, aioclient_mock, nuki)
    nuki.failing_status = status

    await _at(hass, freezer, "2026-08-24T19:46:00+02:00")
    assert arrived == []
    failed = len(log_queries(aioclient_mock))
    assert failed == 3  # the read itself is tried three times

    nuki.failing_status = None
    await _at(hass, freezer, "2026-08-24T19:52:00+02:00")
    [event] = arrived
    assert datetime.fromisoformat(event.data["time"]) == GUEST_AT
    # Still read from the code's start: the failed read moved nothing on.
    assert log_queries(aioclient_mock)[failed:] == [
        {"fromDate": _nuki(CHECKIN), "limit": "50"}
    ]
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("custom_components") and r.levelno >= 30
    ]


async def test_not_arrived_warning_then_the_guest_comes(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    warned = async_capture_events(hass, NOT_ARRIVED)
    arrived = async_capture_events(hass, ARRIVED)
    # She does not come at 19:42; her code opens the front door first at 21:10.
    late = datetime(2026, 8, 24, 19, 10, tzinfo=UTC)
    log = _log()
    for entry in log:
        if entry["id"] == GUEST_ENTRY:
            entry["date"] = _nuki(late)
    log.sort(key=_date, reverse=True)
    reservations = await _setup(
        hass,
        aioclient_mock,
        NukiWeb(log),
        {"not_arrived_warning": "all", "not_arrived_hours": 4},
    )

    for moment in ("16:46", "18:00", "19:54"):
        await _at(hass, freezer, f"2026-08-24T{moment}:00+02:00")
    assert warned == []
    assert _issue(hass, reservations) is None

    await _at(hass, freezer, "2026-08-24T20:01:00+02:00")
    [warning] = warned
    assert warning.data["uid"] == FIRST_UID
    assert warning.data["locks"] == ["Front door"]
    issue = _issue(hass, reservations)
    assert issue is not None
    assert issue.translation_key == "guest_not_arrived"
    await _at(hass, freezer, "2026-08-24T20:10:00+02:00")
    await _at(hass, freezer, "2026-08-24T21:05:00+02:00")
    assert len(warned) == 1
    assert arrived == []

    await _at(hass, freezer, "2026-08-24T21:15:00+02:00")
    [event] = arrived
    assert datetime.fromisoformat(event.data["time"]) == late
    assert _issue(hass, reservations) is None
    assert len(warned) == 1
