"""Vendor faults: timeouts, connection errors, 5xx, 429 and Retry-After, 401, bad payloads.

Every vendor runs through Home Assistant on its real URLs. Retries are bounded and
jittered; only requests that cannot be duplicated are sent twice; a long Retry-After
is not slept but carried to automatic mode; a refused login starts re-authentication
and leaves the other entries alone; a failed automatic issue stays `failed` in the
ledger until its retry, which then creates the code exactly once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from typing import Any
from unittest.mock import patch

import aiohttp
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

from custom_components.lockbooking.code_record import CodeRecord, CodeStatus
from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.locks import lock_key
from custom_components.lockbooking.vendors.igloohome import api as igloohome_api
from custom_components.lockbooking.vendors.igloohome.vendor import (
    IgloohomeVendor,
)
from custom_components.lockbooking.vendors.nuki import auths as nuki_auths
from custom_components.lockbooking.vendors.nuki.vendor import NukiVendor
from custom_components.lockbooking.vendors.unifi_access.vendor import UnifiAccessVendor
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from ..helpers import FEED_URL, FIRST_UID, device_id, feed, fixture

pytestmark = [pytest.mark.fault, pytest.mark.usefixtures("day_before_first_stay")]
RETRY = "custom_components.lockbooking.vendors.retry"
# The patched jitter picks this fraction of its range: waits of 0.25 s and 0.5 s
# instead of the 1 s and 2 s an unjittered backoff would sleep.
JITTER = 0.25

NUKI_API = "https://api.nuki.io"
NUKI_TOKEN = "nuki-test-token-9f8e7d6c"
NUKI_FRONT = "17592186044417"
NUKI_AUTHS = f"{NUKI_API}/smartlock/{NUKI_FRONT}/auth"

IGLOO_CLIENT_ID = "4rm1q2example7clientid0abc"
IGLOO_SECRET = "s3cr3t-example-client-secret-value"
IGLOO_SIGN_IN = igloohome_api.TOKEN_URL
IGLOO_DEVICES = f"{igloohome_api.API_URL}/devices"
IGLOO_FRONT = "OE1X123cbb11"
IGLOO_PADLOCK = "SP2X0f6ea1b2"
IGLOO_ALGOPIN = f"{igloohome_api.API_URL}/devices/{IGLOO_PADLOCK}/algopin/hourly"
IGLOO_JOB = f"{igloohome_api.API_URL}/devices/{IGLOO_FRONT}/jobs/bridges/EB1X04eeeeee"
IGLOO_JOB_STATUS = f"{igloohome_api.API_URL}/jobs/6f0d2a7e-3c1b-4f5e-9a8d-1b2c3d4e5f60"

UNIFI_HOST = "192.168.1.1"
UNIFI_TOKEN = "wHFmHRuX4I7sB2oDkD6wHg"
UNIFI_API = f"https://{UNIFI_HOST}:12445/api/v1/developer"
UNIFI_DOORS = f"{UNIFI_API}/doors"
UNIFI_VISITORS = f"{UNIFI_API}/visitors"
UNIFI_NEW_PIN = f"{UNIFI_API}/credentials/pin_codes"
UNIFI_VISITOR = f"{UNIFI_VISITORS}/fbe8d920-47d3-4cdf-bda7-bf4b0e26f73c"
UNIFI_MAIN_DOOR = "0ed545f8-2fcd-4839-9021-b39e707f6aa9"

STAY = {"start": "2026-08-24T16:00:00+02:00", "end": "2026-08-26T11:00:00+02:00"}

type Answer = dict[str, Any]
type SideEffect = Callable[[str, URL, Any], Awaitable[AiohttpClientMockResponse]]


def in_turn(*answers: Answer) -> SideEffect:
    """Answer with each of `answers` in turn, the last one from then on."""
    remaining = list(answers)

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        current = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return AiohttpClientMockResponse(method, url, **current)

    return answer


def throttled(status: int, retry_after: str) -> Answer:
    return {"status": status, "text": "", "headers": {"Retry-After": retry_after}}


def in_seconds(seconds: int, after: timedelta) -> str:
    """An HTTP date `seconds` after the request sent `after` from now, as in Retry-After."""
    when = dt_util.utcnow() + after + timedelta(seconds=seconds)
    return format_datetime(when, usegmt=True)


def calls(mock: AiohttpClientMocker, method: str, url: str) -> list[Any]:
    """The requests sent to one URL (query ignored)."""
    return [
        call
        for call in mock.mock_calls
        if call[0].upper() == method and str(call[1]).split("?")[0] == url
    ]


@dataclass(frozen=True)
class Account:
    """A vendor account as these tests set it up."""

    kind: str
    unique_id: str
    data: dict[str, Any]
    refresh_url: str
    good_refresh: Answer
    poll: timedelta

    def entry(self) -> MockConfigEntry:
        return MockConfigEntry(
            domain=DOMAIN,
            title=self.kind,
            data={"kind": self.kind, **self.data},
            unique_id=self.unique_id,
        )


NUKI = Account(
    "nuki",
    "123456",
    {"api_token": NUKI_TOKEN},
    f"{NUKI_API}/smartlock",
    {"json": fixture("nuki", "smartlocks.json")},
    NukiVendor.poll_interval,
)
IGLOOHOME = Account(
    "igloohome",
    IGLOO_CLIENT_ID,
    {"client_id": IGLOO_CLIENT_ID, "client_secret": IGLOO_SECRET},
    IGLOO_DEVICES,
    {"json": fixture("igloohome", "devices.json")},
    IgloohomeVendor.poll_interval,
)
UNIFI = Account(
    "unifi_access",
    UNIFI_HOST,
    {"host": UNIFI_HOST, "api_token": UNIFI_TOKEN, "verify_ssl": False},
    UNIFI_DOORS,
    {"json": fixture("unifi_access", "doors.json")},
    UnifiAccessVendor.poll_interval,
)
ACCOUNTS = [NUKI, IGLOOHOME, UNIFI]
ANOTHER = {NUKI.kind: UNIFI, IGLOOHOME.kind: NUKI, UNIFI.kind: IGLOOHOME}
FAULTS: dict[str, Answer] = {
    "timeout": {"exc": TimeoutError()},
    "connection": {"exc": aiohttp.ClientConnectionError()},
    "http_500": {"status": 500, "text": "Internal Server Error"},
    "http_502": {"status": 502, "text": "<html><body>Bad gateway</body></html>"},
    "http_503": {"status": 503, "text": ""},
}


def serve(mock: AiohttpClientMocker, account: Account, *refresh: Answer) -> None:
    """Answer the account's refresh with `refresh` in turn (a good answer if none)."""
    mock.get(
        account.refresh_url, side_effect=in_turn(*(refresh or (account.good_refresh,)))
    )
    if account is NUKI:
        mock.get(f"{NUKI_API}/account", json=fixture("nuki", "account.json"))
    if account is IGLOOHOME:
        mock.post(IGLOO_SIGN_IN, json=fixture("igloohome", "token.json"))


@pytest.fixture(autouse=True)
def waits() -> Iterator[list[float]]:
    """Record the retry waits instead of sleeping; the jitter picks JITTER of its range."""
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    with (
        patch(f"{RETRY}.sleep", record),
        patch(f"{RETRY}.uniform", lambda low, high: low + (high - low) * JITTER),
        patch.object(nuki_auths, "FIND_DELAYS", (0.0, 0.0)),
        patch.object(igloohome_api, "JOB_POLL_DELAYS", (0, 0)),
    ):
        yield slept


async def set_up(
    hass: HomeAssistant, mock: AiohttpClientMocker, *accounts: Account | MockConfigEntry
) -> list[MockConfigEntry]:
    """Set up the accounts (or given entries, such as the demo), then forget their requests."""
    entries: list[MockConfigEntry] = []
    for account in accounts:
        if isinstance(account, Account):
            serve(mock, account)
            entry = account.entry()
        else:
            entry = account
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        entries.append(entry)
    mock.clear_requests()
    return entries


async def poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, every: timedelta
) -> None:
    freezer.tick(every)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def states(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """The states of an entry's entities."""
    return {
        state.state
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if (state := hass.states.get(item.entity_id)) is not None
    }


def unavailable(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """The entry's entities that are unavailable."""
    return {
        item.entity_id
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if (state := hass.states.get(item.entity_id)) is not None
        and state.state == STATE_UNAVAILABLE
    }


def device(hass: HomeAssistant, unique_id: str, lock_id: str) -> str:
    return device_id(hass, lock_key(unique_id, lock_id))


async def issue(
    hass: HomeAssistant, device_id: str, uid: str = "stay-1", **extra: Any
) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "issue_code",
        {"device_id": device_id, **STAY, "name": "Meier", "uid": uid, **extra},
        blocking=True,
        return_response=True,
    )


def records(hass: HomeAssistant, uid: str) -> list[CodeRecord]:
    return [record for record in hass.data[LEDGER].records() if record.uid == uid]


def reauth_entries(hass: HomeAssistant) -> list[str]:
    return [
        flow["context"]["entry_id"]
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == "reauth"
    ]


# --- refreshes: bounded, jittered retries; unavailable, then back ---------------------


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.kind)
@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_refresh_fault_is_retried_within_bounds(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    waits: list[float],
    account: Account,
    fault: Answer,
) -> None:
    [entry] = await set_up(hass, aioclient_mock, account)
    healthy = states(hass, entry)
    serve(aioclient_mock, account, fault, fault, account.good_refresh)
    await poll(hass, freezer, account.poll)
    assert len(calls(aioclient_mock, "GET", account.refresh_url)) == 3
    assert waits == [0.25, 0.5]  # full jitter over 1 s, then 2 s
    assert states(hass, entry) == healthy

    aioclient_mock.clear_requests()
    serve(aioclient_mock, account, fault)
    await poll(hass, freezer, account.poll)
    assert len(calls(aioclient_mock, "GET", account.refresh_url)) == 3
    assert states(hass, entry) == {STATE_UNAVAILABLE}

    aioclient_mock.clear_requests()
    serve(aioclient_mock, account)
    await poll(hass, freezer, account.poll)
    assert len(calls(aioclient_mock, "GET", account.refresh_url)) == 1
    assert states(hass, entry) == healthy


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.kind)
@pytest.mark.parametrize(
    ("answer", "wait"),
    [
        (lambda after: throttled(429, "7"), 7.0),
        (lambda after: throttled(503, in_seconds(12, after)), 12.0),
    ],
    ids=["429_seconds", "503_http_date"],
)
async def test_short_retry_after_is_waited(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    waits: list[float],
    account: Account,
    answer: Callable[[timedelta], Answer],
    wait: float,
) -> None:
    [entry] = await set_up(hass, aioclient_mock, account)
    healthy = states(hass, entry)
    throttle = answer(account.poll)
    serve(aioclient_mock, account, throttle, throttle, account.good_refresh)
    await poll(hass, freezer, account.poll)
    assert waits == [wait, wait]
    assert len(calls(aioclient_mock, "GET", account.refresh_url)) == 3
    assert states(hass, entry) == healthy


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.kind)
@pytest.mark.parametrize(
    "answer",
    [
        lambda after: throttled(429, "3600"),
        lambda after: throttled(503, "120"),
        lambda after: throttled(429, in_seconds(900, after)),
    ],
    ids=["429_hour", "503_two_minutes", "429_http_date"],
)
async def test_long_retry_after_is_not_slept(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    waits: list[float],
    account: Account,
    answer: Callable[[timedelta], Answer],
) -> None:
    [entry] = await set_up(hass, aioclient_mock, account)
    serve(aioclient_mock, account, answer(account.poll))
    await poll(hass, freezer, account.poll)
    assert waits == []
    assert len(calls(aioclient_mock, "GET", account.refresh_url)) == 1
    assert states(hass, entry) == {STATE_UNAVAILABLE}


# --- bad payloads --------------------------------------------------------------------


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.kind)
@pytest.mark.parametrize(
    "body",
    ['{"payload": [', "<html>maintenance</html>", ""],
    ids=["truncated", "html", "empty"],
)
async def test_malformed_json_makes_entities_unavailable(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    account: Account,
    body: str,
) -> None:
    [entry] = await set_up(hass, aioclient_mock, account)
    healthy = states(hass, entry)
    serve(aioclient_mock, account, {"text": body})
    await poll(hass, freezer, account.poll)
    assert states(hass, entry) == {STATE_UNAVAILABLE}
    assert len(calls(aioclient_mock, "GET", account.refresh_url)) <= 3
    assert "Unexpected error" not in caplog.text

    aioclient_mock.clear_requests()
    serve(aioclient_mock, account)
    await poll(hass, freezer, account.poll)
    assert states(hass, entry) == healthy


def _odd_nuki() -> Any:
    locks = fixture("nuki", "smartlocks.json")
    locks[0] |= {"name": 17, "firmwareVersion": "2.7", "futureField": {"x": [1]}}
    locks[0]["state"] |= {"batteryCharge": "84", "state": "locked", "newState": 3}
    locks[1]["state"] = "unknown"
    locks[1]["config"] = ["not", "a", "dict"]
    return [*locks, {"name": "no id"}, "not a device", None]


def _odd_igloohome() -> Any:
    devices = fixture("igloohome", "devices.json")
    devices["payload"][0] |= {
        "batteryLevel": "100",
        "deviceName": 42,
        "futureField": [1],
    }
    devices["payload"][2]["linkedDevices"] = "OE1X123cbb11"
    devices["payload"] += [
        "not a device",
        {"type": 7},
        {"deviceId": None, "type": "Lock"},
    ]
    devices["nextCursor"] = 12
    return devices


def _odd_unifi() -> Any:
    doors = fixture("unifi_access", "doors.json")
    doors["data"][0] |= {"future_field": {"x": 1}, "extras": None}
    doors["future_envelope_field"] = [1, 2]
    return doors


@pytest.mark.parametrize(
    ("account", "odd"),
    [(NUKI, _odd_nuki), (IGLOOHOME, _odd_igloohome), (UNIFI, _odd_unifi)],
    ids=["nuki", "igloohome", "unifi_access"],
)
async def test_unexpected_fields_and_types_are_ignored(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    account: Account,
    odd: Callable[[], Any],
) -> None:
    [entry] = await set_up(hass, aioclient_mock, account)
    before = unavailable(hass, entry)
    serve(aioclient_mock, account, {"json": odd()})
    await poll(hass, freezer, account.poll)
    assert entry.runtime_data.coordinator.last_update_success
    assert "Unexpected error" not in caplog.text
    assert unavailable(hass, entry) == before


@pytest.mark.parametrize(
    ("account", "body"),
    [
        (NUKI, {"smartlocks": []}),
        (IGLOOHOME, ["payload"]),
        (UNIFI, {"code": "SUCCESS", "msg": "success", "data": {"doors": "?"}}),
        (
            UNIFI,
            {"code": "SUCCESS", "msg": "success", "data": [{"id": 5, "name": None}]},
        ),
    ],
    ids=["nuki_object", "igloohome_list", "unifi_object", "unifi_bad_door"],
)
async def test_unexpected_shapes_make_entities_unavailable(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    account: Account,
    body: Any,
) -> None:
    [entry] = await set_up(hass, aioclient_mock, account)
    serve(aioclient_mock, account, {"json": body})
    await poll(hass, freezer, account.poll)
    assert states(hass, entry) == {STATE_UNAVAILABLE}
    assert "Unexpected error" not in caplog.text


# --- writes: repeated only when the vendor did not process them ------------------------


def nuki_keypad(mock: AiohttpClientMocker, *put: Answer) -> list[int]:
    """Serve a Nuki lock's keypad codes; PUTs answered in turn, accepted codes listed."""
    created: list[int] = []
    answers = list(put)
    existing = fixture("nuki", "auths.json")

    async def create(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        current = {
            "status": 204,
            **(answers.pop(0) if len(answers) > 1 else answers[0]),
        }
        if "exc" not in current and current["status"] < 300:
            created.append(data["code"])
        return AiohttpClientMockResponse(method, url, **current)

    async def listing(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        new = [
            {"id": f"auth-{index}", "code": code, "type": 13, "name": "LB Meier"}
            for index, code in enumerate(created)
        ]
        return AiohttpClientMockResponse(method, url, json=[*existing, *new])

    mock.get(NUKI_AUTHS, side_effect=listing)
    mock.put(NUKI_AUTHS, side_effect=create)
    return created


@pytest.mark.parametrize(
    ("put", "sent", "waited"),
    [
        ([{"exc": TimeoutError()}], 1, []),
        ([{"exc": aiohttp.ServerDisconnectedError()}], 1, []),
        ([{"status": 500}], 1, []),
        ([{"status": 503}], 1, []),
        ([throttled(429, "3600")], 1, []),
        ([{"status": 429}, {}], 2, [0.25]),
        ([throttled(503, "5"), {}], 2, [5.0]),
        ([{"status": 429}], 3, [0.25, 0.5]),
    ],  # the ones ending in {} are accepted in the end
    ids=[
        "timeout",
        "disconnected",
        "500",
        "503",
        "429_long",
        "429_then_ok",
        "503_retry_after_then_ok",
        "429_always",
    ],
)
async def test_nuki_keypad_code_sent_again_only_when_unprocessed(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    waits: list[float],
    put: list[Answer],
    sent: int,
    waited: list[float],
) -> None:
    await set_up(hass, aioclient_mock, NUKI)
    serve(aioclient_mock, NUKI)
    created = nuki_keypad(aioclient_mock, *put)
    lock = device(hass, NUKI.unique_id, NUKI_FRONT)
    if put[-1] == {}:
        response = await issue(hass, lock)
        assert response["codes"][0]["status"] == "issued"
        assert response["codes"][0]["code"] == str(created[0])
    else:
        with pytest.raises(HomeAssistantError) as err:
            await issue(hass, lock)
        assert err.value.translation_key == "vendor_unavailable"
        [record] = records(hass, "stay-1")
        assert record.status is CodeStatus.FAILED
    assert len(calls(aioclient_mock, "PUT", NUKI_AUTHS)) == sent
    assert len(created) <= 1
    assert waits == waited


async def test_nuki_action_that_timed_out_is_not_sent_again(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, waits: list[float]
) -> None:
    await set_up(hass, aioclient_mock, NUKI)
    serve(aioclient_mock, NUKI)
    action = f"{NUKI_API}/smartlock/{NUKI_FRONT}/action"
    aioclient_mock.post(action, exc=TimeoutError())
    entity_id = next(
        item.entity_id
        for item in er.async_entries_for_device(
            er.async_get(hass), device(hass, NUKI.unique_id, NUKI_FRONT)
        )
        if item.domain == "lock"
    )
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "lock", "unlock", {"entity_id": entity_id}, blocking=True
        )
    assert len(calls(aioclient_mock, "POST", action)) == 1
    assert waits == []


async def test_nuki_revoke_is_retried_as_it_is_idempotent(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, waits: list[float]
) -> None:
    await set_up(hass, aioclient_mock, NUKI)
    serve(aioclient_mock, NUKI)
    created = nuki_keypad(aioclient_mock, {})
    lock = device(hass, NUKI.unique_id, NUKI_FRONT)
    await issue(hass, lock)
    delete = f"{NUKI_AUTHS}/auth-0"
    answers = in_turn({"status": 502}, {"status": 204})

    async def deleted(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        response = await answers(method, url, data)
        if response.status == 204:
            created.clear()  # the lock applied it: Nuki lists the code no more
        return response

    aioclient_mock.delete(delete, side_effect=deleted)
    response = await hass.services.async_call(
        DOMAIN,
        "revoke_code",
        {"device_id": lock, "uid": "stay-1"},
        blocking=True,
        return_response=True,
    )
    assert response["codes"][0]["status"] == "revoked"
    assert len(calls(aioclient_mock, "DELETE", delete)) == 2
    assert waits == [0.25]


def unifi_visitor(
    mock: AiohttpClientMocker,
    visitor: list[Answer],
    new_pin: list[Answer],
    assign: list[Answer],
) -> None:
    ok = {"json": fixture("unifi_access", "success.json")}
    mock.post(
        UNIFI_VISITORS,
        side_effect=in_turn(
            *visitor, {"json": fixture("unifi_access", "visitor.json")}
        ),
    )
    mock.post(
        UNIFI_NEW_PIN,
        side_effect=in_turn(
            *new_pin, {"json": fixture("unifi_access", "pin_code.json")}
        ),
    )
    mock.put(f"{UNIFI_VISITOR}/pin_codes", side_effect=in_turn(*assign, ok))
    mock.delete(
        f"{UNIFI_VISITOR}?is_force=true", json=fixture("unifi_access", "deleted.json")
    )


@pytest.mark.parametrize(
    ("visitor", "new_pin", "assign", "sent", "issued"),
    [
        ([{"exc": TimeoutError()}], [], [], (1, 0, 0, 0), False),
        ([{"status": 502, "text": ""}], [], [], (1, 0, 0, 0), False),
        ([{"status": 429, "text": ""}], [], [], (2, 1, 1, 0), True),
        ([], [{"status": 500, "text": ""}], [], (1, 2, 1, 0), True),
        ([], [], [{"exc": TimeoutError()}], (1, 1, 1, 1), False),
        ([], [], [throttled(503, "3")], (1, 1, 2, 0), True),
    ],
    ids=[
        "visitor_timeout",
        "visitor_502",
        "visitor_429",
        "new_pin_500",
        "assign_timeout",
        "assign_503_retry_after",
    ],
)
async def test_unifi_visitor_writes_sent_again_only_when_unprocessed(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    visitor: list[Answer],
    new_pin: list[Answer],
    assign: list[Answer],
    sent: tuple[int, int, int, int],
    issued: bool,
) -> None:
    await set_up(hass, aioclient_mock, UNIFI)
    serve(aioclient_mock, UNIFI)
    unifi_visitor(aioclient_mock, visitor, new_pin, assign)
    lock = device(hass, UNIFI.unique_id, UNIFI_MAIN_DOOR)
    if issued:
        response = await issue(hass, lock)
        assert response["codes"][0]["status"] == "issued"
    else:
        with pytest.raises(HomeAssistantError):
            await issue(hass, lock)
        assert [record.status for record in records(hass, "stay-1")] == [
            CodeStatus.FAILED
        ]
    assert (
        len(calls(aioclient_mock, "POST", UNIFI_VISITORS)),
        len(calls(aioclient_mock, "POST", UNIFI_NEW_PIN)),
        len(calls(aioclient_mock, "PUT", f"{UNIFI_VISITOR}/pin_codes")),
        len(calls(aioclient_mock, "DELETE", UNIFI_VISITOR)),
    ) == sent


@pytest.mark.parametrize(
    ("answers", "sent", "issued"),
    [
        ([{"exc": TimeoutError()}], 2, True),
        (
            [{"exc": aiohttp.ClientConnectionError()}, {"status": 503, "text": ""}],
            3,
            True,
        ),
        ([{"status": 500, "text": ""}] * 3, 3, False),
    ],
    ids=["timeout", "connection_then_503", "500_always"],
)
async def test_igloohome_algopin_is_asked_again(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    answers: list[Answer],
    sent: int,
    issued: bool,
) -> None:
    await set_up(hass, aioclient_mock, IGLOOHOME)
    serve(aioclient_mock, IGLOOHOME)
    aioclient_mock.post(
        IGLOO_ALGOPIN,
        side_effect=in_turn(*answers, {"json": fixture("igloohome", "algopin.json")}),
    )
    lock = device(hass, IGLOOHOME.unique_id, IGLOO_PADLOCK)
    if issued:
        response = await issue(hass, lock)
        assert response["codes"][0]["code"] == "123456789"
    else:
        with pytest.raises(HomeAssistantError):
            await issue(hass, lock)
    assert len(calls(aioclient_mock, "POST", IGLOO_ALGOPIN)) == sent


@pytest.mark.parametrize(
    ("job", "sign_in", "sent", "issued"),
    [
        ([{"exc": TimeoutError()}], [], 1, False),
        ([{"status": 502, "text": ""}], [], 1, False),
        ([{"status": 429, "text": ""}], [], 2, True),
        # The token was revoked; signing in again fails once: the job was never sent.
        ([{"status": 401, "text": ""}], [{"status": 503, "text": ""}], 2, True),
    ],
    ids=["timeout", "502", "429", "sign_in_503"],
)
async def test_igloohome_bridge_job_sent_again_only_when_unprocessed(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    job: list[Answer],
    sign_in: list[Answer],
    sent: int,
    issued: bool,
) -> None:
    await set_up(hass, aioclient_mock, IGLOOHOME)
    aioclient_mock.get(IGLOO_DEVICES, json=fixture("igloohome", "devices.json"))
    aioclient_mock.post(
        IGLOO_SIGN_IN,
        side_effect=in_turn(*sign_in, {"json": fixture("igloohome", "token.json")}),
    )
    aioclient_mock.post(
        IGLOO_JOB, side_effect=in_turn(*job, {"json": fixture("igloohome", "job.json")})
    )
    aioclient_mock.get(
        IGLOO_JOB_STATUS, json=fixture("igloohome", "job_completed.json")
    )
    lock = device(hass, IGLOOHOME.unique_id, IGLOO_FRONT)
    if issued:
        response = await issue(hass, lock, code="4711")
        assert response["codes"][0]["kind"] == "bridge_pin"
    else:
        with pytest.raises(HomeAssistantError):
            await issue(hass, lock, code="4711")
        assert [record.status for record in records(hass, "stay-1")] == [
            CodeStatus.FAILED
        ]
    assert len(calls(aioclient_mock, "POST", IGLOO_JOB)) == sent


# --- 401: re-authentication starts, nothing else breaks --------------------------------


def refuse_login(mock: AiohttpClientMocker, account: Account) -> None:
    """Answer the account's refresh with the vendor's own way of refusing credentials."""
    serve(
        mock,
        account,
        {"status": 401, "json": {"code": "CODE_ACCESS_TOKEN_INVALID", "msg": "token"}},
    )


async def _others_keep_working(
    hass: HomeAssistant,
    mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    victim: MockConfigEntry,
    others: dict[MockConfigEntry, set[str]],
) -> None:
    """Only the victim is being re-authenticated; the others refresh and issue codes."""
    assert reauth_entries(hass) == [victim.entry_id]
    assert victim.state is ConfigEntryState.LOADED
    await poll(hass, freezer, IgloohomeVendor.poll_interval)
    for other, healthy in others.items():
        assert other.state is ConfigEntryState.LOADED
        assert other.runtime_data.coordinator.last_update_success
        assert states(hass, other) == healthy
    response = await issue(
        hass, device(hass, "demo_demo", "front_door"), uid="demo-stay"
    )
    assert response["codes"][0]["status"] == "issued"
    assert reauth_entries(hass) == [victim.entry_id]


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.kind)
async def test_refused_login_on_refresh_starts_reauth_only_there(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    demo_entry: MockConfigEntry,
    account: Account,
) -> None:
    other = ANOTHER[account.kind]
    victim, neighbour, demo = await set_up(
        hass, aioclient_mock, account, other, demo_entry
    )
    healthy = {neighbour: states(hass, neighbour), demo: states(hass, demo)}
    refuse_login(aioclient_mock, account)
    serve(aioclient_mock, other)
    await poll(hass, freezer, account.poll)
    assert states(hass, victim) == {STATE_UNAVAILABLE}
    await _others_keep_working(hass, aioclient_mock, freezer, victim, healthy)


def refuse_code(mock: AiohttpClientMocker, account: Account) -> tuple[str, str]:
    """Refuse the credentials on the account's first code request; the lock to use."""
    refused = {
        "status": 401,
        "json": {"code": "CODE_ACCESS_TOKEN_INVALID", "msg": "token"},
    }
    if account is NUKI:
        mock.get(NUKI_AUTHS, **refused)
        return NUKI_FRONT, NUKI_AUTHS
    if account is IGLOOHOME:
        mock.post(IGLOO_ALGOPIN, **refused)
        return IGLOO_PADLOCK, IGLOO_ALGOPIN
    mock.post(UNIFI_VISITORS, **refused)
    return UNIFI_MAIN_DOOR, UNIFI_VISITORS


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.kind)
async def test_refused_login_on_issue_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    demo_entry: MockConfigEntry,
    account: Account,
) -> None:
    other = ANOTHER[account.kind]
    victim, neighbour, demo = await set_up(
        hass, aioclient_mock, account, other, demo_entry
    )
    healthy = {neighbour: states(hass, neighbour), demo: states(hass, demo)}
    serve(aioclient_mock, account)
    serve(aioclient_mock, other)
    lock_id, url = refuse_code(aioclient_mock, account)
    with pytest.raises(HomeAssistantError) as err:
        await issue(hass, device(hass, account.unique_id, lock_id))
    assert err.value.translation_key == "vendor_auth"
    assert [record.status for record in records(hass, "stay-1")] == [CodeStatus.FAILED]
    assert len(calls(aioclient_mock, "GET" if account is NUKI else "POST", url)) <= 2
    await _others_keep_working(hass, aioclient_mock, freezer, victim, healthy)


async def test_refused_login_on_revoke_starts_reauth(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    [entry] = await set_up(hass, aioclient_mock, NUKI)
    serve(aioclient_mock, NUKI)
    nuki_keypad(aioclient_mock, {})
    lock = device(hass, NUKI.unique_id, NUKI_FRONT)
    await issue(hass, lock)
    aioclient_mock.delete(f"{NUKI_AUTHS}/auth-0", status=401)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "revoke_code", {"device_id": lock, "uid": "stay-1"}, blocking=True
        )
    assert err.value.translation_key == "vendor_auth"
    assert reauth_entries(hass) == [entry.entry_id]
    assert [record.status for record in records(hass, "stay-1")] == [CodeStatus.ISSUED]


# --- automatic mode: failed, recorded once, retried later, created once ---------------


@pytest.fixture
def reservations_entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Seaside flat",
        unique_id="reservations_faults",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": [lock_key(NUKI.unique_id, NUKI_FRONT)],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options={},
    )


@pytest.mark.parametrize(
    ("failure", "backoff", "retried_after"),
    [
        ({"status": 503}, "0:01:15", timedelta(minutes=5)),
        (throttled(429, "3600"), "1:00:00", timedelta(minutes=60)),
        ({"exc": TimeoutError()}, "0:01:15", timedelta(minutes=5)),
    ],
    ids=["503", "429_retry_after_hour", "timeout"],
)
async def test_automatic_issue_fails_once_then_is_issued_once(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    waits: list[float],
    reservations_entry: MockConfigEntry,
    failure: Answer,
    backoff: str,
    retried_after: timedelta,
) -> None:
    failed = async_capture_events(hass, "lockbooking_code_failed")
    issued = async_capture_events(hass, "lockbooking_code_issued")
    await set_up(hass, aioclient_mock, NUKI)
    serve(aioclient_mock, NUKI)
    aioclient_mock.get(FEED_URL, text=feed())
    created = nuki_keypad(aioclient_mock, failure, {})
    reservations_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(reservations_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    [record] = records(hass, FIRST_UID)
    assert record.status is CodeStatus.FAILED
    assert [event.data["reason"] for event in failed] == ["vendor_unavailable"]
    assert not issued
    assert len(calls(aioclient_mock, "PUT", NUKI_AUTHS)) == 1
    assert waits == []  # neither a long Retry-After nor a write's failure is slept
    assert f"retrying in {backoff}" in caplog.text  # jittered, or as long as Nuki asked

    elapsed = timedelta()
    while elapsed + timedelta(minutes=5) < retried_after:
        await poll(hass, freezer, timedelta(minutes=5))
        elapsed += timedelta(minutes=5)
        assert len(calls(aioclient_mock, "PUT", NUKI_AUTHS)) == 1
        assert [r.status for r in records(hass, FIRST_UID)] == [CodeStatus.FAILED]
    await poll(hass, freezer, retried_after - elapsed)

    [record] = records(hass, FIRST_UID)
    assert record.status is CodeStatus.ISSUED
    assert record.code == str(created[0])
    assert len(created) == 1
    assert len(calls(aioclient_mock, "PUT", NUKI_AUTHS)) == 2
    [event] = issued
    assert event.data["uid"] == FIRST_UID
    assert len(failed) == 1
    for _ in range(3):
        await poll(hass, freezer, timedelta(minutes=31))
    assert len(calls(aioclient_mock, "PUT", NUKI_AUTHS)) == 2
    assert len(records(hass, FIRST_UID)) == 1


async def test_automatic_issue_refused_login_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    reservations_entry: MockConfigEntry,
) -> None:
    failed = async_capture_events(hass, "lockbooking_code_failed")
    [entry] = await set_up(hass, aioclient_mock, NUKI)
    serve(aioclient_mock, NUKI)
    aioclient_mock.get(FEED_URL, text=feed())
    nuki_keypad(aioclient_mock, {"status": 401})
    reservations_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(reservations_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [event.data["reason"] for event in failed] == ["vendor_auth"]
    assert [record.status for record in records(hass, FIRST_UID)] == [CodeStatus.FAILED]
    assert reauth_entries(hass) == [entry.entry_id]
    assert reservations_entry.state is ConfigEntryState.LOADED
