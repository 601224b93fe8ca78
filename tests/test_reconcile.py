"""Crash safety: a code interrupted by a stop is neither lost nor issued twice.

An issue writes its ledger record `pending` before the vendor call and `issued` after.
Home Assistant stopping in between leaves `pending` behind, at one of two points: the
vendor already accepted the code (A), or the call never went out (B). Each test writes
the ledger as it is after such a stop (or interrupts a real issue with
`CancelledError`), starts the accounts as after a restart with the vendor answering as
it would, and counts what reaches the vendor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, replace
from datetime import datetime, timedelta
import json
import re
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
from custom_components.lockbooking.ledger import STORAGE_KEY, CodeLedger
from custom_components.lockbooking.reconcile import INTERRUPTED
from custom_components.lockbooking.vendors.base import VendorUnavailableError
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from custom_components.lockbooking.vendors.igloohome.api import (
    API_URL as IGLOO_API,
    TOKEN_URL as IGLOO_AUTH,
)
from custom_components.lockbooking.vendors.retry import ATTEMPTS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .helpers import FIRST_UID, device_id, feed, fixture

pytestmark = pytest.mark.fault
VIENNA = dt_util.get_time_zone("Europe/Vienna")
ARRIVAL = datetime(2026, 8, 1, 15, 0, tzinfo=VIENNA)
DEPARTURE = datetime(2026, 8, 5, 11, 0, tzinfo=VIENNA)
STAY = {"start": ARRIVAL.isoformat(), "end": DEPARTURE.isoformat()}
UID = "stay-4711"

NUKI = "https://api.nuki.io"
NUKI_ACCOUNT = "123456"
NUKI_FRONT = "17592186044417"
NUKI_AUTHS = f"{NUKI}/smartlock/{NUKI_FRONT}/auth"
NUKI_AUTH_ID = "68c2a9f1e3f4a5b6c7d8e901"
NUKI_CODE = "456789"

UNIFI_HOST = "192.168.1.1"
UNIFI_API = f"https://{UNIFI_HOST}:12445/api/v1/developer"
UNIFI_VISITORS = f"{UNIFI_API}/visitors"
MAIN_DOOR = "0ed545f8-2fcd-4839-9021-b39e707f6aa9"
ORPHAN = "0c1d2e3f-aaaa-4bbb-8ccc-000000000001"
OTHER_STAYS_VISITOR = "0c1d2e3f-aaaa-4bbb-8ccc-000000000002"
NEW_VISITOR = "fbe8d920-47d3-4cdf-bda7-bf4b0e26f73c"
GENERATED_PIN = "67203419"

IGLOO_CLIENT = "4rm1q2example7clientid0abc"
PADLOCK = "SP2X0f6ea1b2"
ALGOPIN = "123456789"

FEED_URL = "https://www.airbnb.com/calendar/ical/12345.ics?s=feed-key"


@pytest.fixture(autouse=True)
def days_before_the_stay(vienna: None, freezer: FrozenDateTimeFactory) -> None:
    """Vienna, a few days before the stay."""
    freezer.move_to("2026-07-28T12:00:00+02:00")


@pytest.fixture(autouse=True)
def no_waits() -> Iterator[None]:
    """Retry and look up just-created Nuki codes without sleeping."""
    with (
        patch(
            "custom_components.lockbooking.vendors.nuki.auths.FIND_DELAYS", (0.0,) * 4
        ),
        patch("custom_components.lockbooking.vendors.retry.sleep"),
    ):
        yield


# --- the ledger as a stop leaves it ---------------------------------------------------


def pending(
    lock_key: str,
    kind: str,
    *,
    uid: str = UID,
    name: str = "Anna Schmidt",
    start: datetime = ARRIVAL,
    end: datetime = DEPARTURE,
    revocable: bool = True,
) -> CodeRecord:
    """The record `codes` writes before the vendor call."""
    return CodeRecord(
        uid=uid,
        lock_key=lock_key,
        lock_name="Lock",
        name=name,
        requested_start=start.isoformat(),
        requested_end=end.isoformat(),
        status=CodeStatus.PENDING,
        kind=kind,
        starts=start.isoformat(),
        ends=end.isoformat(),
        revocable=revocable,
        updated_at="2026-07-28T09:59:00+00:00",
    )


def store_ledger(hass_storage: dict[str, Any], *records: CodeRecord) -> None:
    """Write the ledger file as the stopped run left it."""
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {"codes": json.loads(json.dumps([asdict(r) for r in records]))},
    }


def stored(hass_storage: dict[str, Any], uid: str = UID) -> list[dict[str, Any]]:
    """The records of `uid` in the ledger file as it is now."""
    return [r for r in hass_storage[STORAGE_KEY]["data"]["codes"] if r["uid"] == uid]


def requests(mock: AiohttpClientMocker, method: str, url: str) -> list[tuple[Any, ...]]:
    """The requests sent to one URL (query ignored)."""
    return [
        call
        for call in mock.mock_calls
        if call[0].upper() == method and str(call[1]).split("?")[0] == url
    ]


def answers(*bodies: Any) -> Callable[..., Awaitable[AiohttpClientMockResponse]]:
    """Answer with each body in turn, then the last one; an exception is raised."""
    remaining = list(bodies)

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        body = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(body, Exception):
            raise body
        return AiohttpClientMockResponse(method, url, json=body)

    return answer


async def turns_until(event: asyncio.Event) -> None:
    """Let other tasks run until `event` is set (the frozen clock rules out a timeout)."""
    for _ in range(1000):
        if event.is_set():
            return
        await asyncio.sleep(0)
    pytest.fail("the awaited step never came")


async def start(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    """Start Home Assistant's side of lockbooking with these entries, as after a restart."""
    for entry in entries:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entries[0].entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    for entry in entries:
        assert entry.state is ConfigEntryState.LOADED


async def issue(hass: HomeAssistant, lock_key: str, **data: Any) -> dict[str, Any]:
    """Call issue_code for UID's stay on one lock; the lock's code."""
    response = await hass.services.async_call(
        DOMAIN,
        "issue_code",
        {
            "device_id": device_id(hass, lock_key),
            "uid": UID,
            "name": "Anna Schmidt",
            **STAY,
            **data,
        },
        blocking=True,
        return_response=True,
    )
    [code] = response["codes"]
    return code


async def get_code(hass: HomeAssistant, uid: str = UID) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "get_codes", {"uid": uid}, blocking=True, return_response=True
    )
    [code] = response["codes"]
    return code


# --- Nuki: keypad codes carry "LB <name>" and the window ------------------------------

NUKI_KEY = f"{NUKI_ACCOUNT}:{NUKI_FRONT}"


def nuki_auth(
    code: str = NUKI_CODE, name: str = "LB Anna Schmidt", **extra: Any
) -> dict[str, Any]:
    """A keypad authorization as Nuki lists it, for the stay's window by default."""
    return {
        "id": NUKI_AUTH_ID,
        "smartlockId": int(NUKI_FRONT),
        "authId": 4120,
        "code": int(code),
        "type": 13,
        "name": name,
        "enabled": True,
        "remoteAllowed": False,
        "lockCount": 0,
        "allowedFromDate": "2026-08-01T13:00:00.000Z",
        "allowedUntilDate": "2026-08-05T09:00:00.000Z",
        "allowedWeekDays": 127,
        "allowedFromTime": 0,
        "allowedUntilTime": 0,
        **extra,
    }


@pytest.fixture
def nuki_entry(aioclient_mock: AiohttpClientMocker) -> MockConfigEntry:
    aioclient_mock.get(f"{NUKI}/account", json=fixture("nuki", "account.json"))
    aioclient_mock.get(f"{NUKI}/smartlock", json=fixture("nuki", "smartlocks.json"))
    return MockConfigEntry(
        domain=DOMAIN,
        title="Nuki (Holiday flats)",
        data={"kind": "nuki", "api_token": "nuki-crash-test-api-key"},
        unique_id=NUKI_ACCOUNT,
        entry_id="01JNUKICRASH00000000000000",
    )


async def test_nuki_code_accepted_before_the_stop_is_kept(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
) -> None:
    """A: Nuki has the code; it is recorded as issued and never sent again."""
    store_ledger(hass_storage, pending(NUKI_KEY, "keypad"))
    unrestricted = {
        key: value
        for key, value in nuki_auth(
            code="345612", id="68c2a9f1e3f4a5b6c7d8e9aa"
        ).items()
        if key not in ("allowedFromDate", "allowedUntilDate")
    }
    listed = [*fixture("nuki", "auths.json"), unrestricted, nuki_auth()]
    aioclient_mock.get(NUKI_AUTHS, json=listed)
    aioclient_mock.put(NUKI_AUTHS, status=204)

    await start(hass, nuki_entry)

    [record] = stored(hass_storage)
    assert (record["status"], record["code"], record["vendor_id"]) == (
        "issued",
        NUKI_CODE,
        NUKI_AUTH_ID,
    )
    assert (await get_code(hass))["code"] == NUKI_CODE
    assert (await issue(hass, NUKI_KEY))["code"] == NUKI_CODE
    assert not requests(aioclient_mock, "PUT", NUKI_AUTHS)


@pytest.mark.parametrize(
    "listed",
    [
        pytest.param([], id="not-there"),
        pytest.param([nuki_auth(name="LB Someone else")], id="other-name"),
        pytest.param(
            [nuki_auth(allowedUntilDate="2026-08-06T09:00:00.000Z")], id="other-window"
        ),
    ],
)
async def test_nuki_code_never_sent_is_issued_once(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
    listed: list[dict[str, Any]],
) -> None:
    """B: Nuki has no such code; the record fails as interrupted, the next call issues it."""
    store_ledger(hass_storage, pending(NUKI_KEY, "keypad"))
    created = nuki_auth(code="567891", id="68c2a9f1e3f4a5b6c7d8e9ff")
    aioclient_mock.get(
        NUKI_AUTHS, side_effect=answers(listed, listed, [*listed, created])
    )
    aioclient_mock.put(NUKI_AUTHS, status=204)

    await start(hass, nuki_entry)

    [record] = stored(hass_storage)
    assert (record["status"], record["error"], record["code"]) == (
        "failed",
        INTERRUPTED,
        None,
    )
    code = await issue(hass, NUKI_KEY, code="567891")
    assert (code["status"], code["code"]) == ("issued", "567891")
    assert len(requests(aioclient_mock, "PUT", NUKI_AUTHS)) == 1
    assert (await issue(hass, NUKI_KEY, code="567891"))["code"] == "567891"
    assert len(requests(aioclient_mock, "PUT", NUKI_AUTHS)) == 1


async def test_nuki_unreachable_while_reconciling_keeps_pending_then_settles(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set-up succeeds without the answers; the next refresh settles the records.

    The first failure ends the attempt: a vendor that is down is not asked once per record.
    """
    store_ledger(
        hass_storage,
        pending(NUKI_KEY, "keypad"),
        pending(NUKI_KEY, "keypad", uid="stay-4712", name="Ben Meier"),
    )
    down = aiohttp.ClientConnectionError()
    aioclient_mock.get(
        NUKI_AUTHS, side_effect=answers(*[down] * ATTEMPTS, [nuki_auth()])
    )

    await start(hass, nuki_entry)

    assert len(requests(aioclient_mock, "GET", NUKI_AUTHS)) == ATTEMPTS
    assert [r["status"] for r in hass_storage[STORAGE_KEY]["data"]["codes"]] == [
        "pending"
    ] * 2
    assert (await get_code(hass))["status"] == "pending"
    assert "could not check an interrupted code on Front door" in caplog.text

    freezer.tick(timedelta(minutes=2, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert (stored(hass_storage)[0]["status"], stored(hass_storage)[0]["code"]) == (
        "issued",
        NUKI_CODE,
    )
    assert stored(hass_storage, "stay-4712")[0]["status"] == "failed"


async def test_nuki_issue_asks_first_when_the_record_is_still_pending(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
) -> None:
    """A service call on a record still pending finds the accepted code: no second one."""
    store_ledger(hass_storage, pending(NUKI_KEY, "keypad"))
    down = aiohttp.ClientConnectionError()
    aioclient_mock.get(
        NUKI_AUTHS, side_effect=answers(*[down] * ATTEMPTS, [nuki_auth()])
    )
    aioclient_mock.put(NUKI_AUTHS, status=204)

    await start(hass, nuki_entry)
    assert stored(hass_storage)[0]["status"] == "pending"

    assert (await issue(hass, NUKI_KEY))["code"] == NUKI_CODE
    assert not requests(aioclient_mock, "PUT", NUKI_AUTHS)


async def test_record_without_its_plan_is_issued_again(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
) -> None:
    """A pending record that does not say what was asked for cannot be looked up: failed."""
    store_ledger(hass_storage, replace(pending(NUKI_KEY, "keypad"), kind=None))

    await start(hass, nuki_entry)

    assert (stored(hass_storage)[0]["status"], stored(hass_storage)[0]["error"]) == (
        "failed",
        INTERRUPTED,
    )
    assert not requests(aioclient_mock, "GET", NUKI_AUTHS)


# --- UniFi Access: visitors carry remarks "lockbooking", the door and the window ------

UNIFI_KEY = f"{UNIFI_HOST}:{MAIN_DOOR}"


def visitor(visitor_id: str, *, door: str = MAIN_DOOR, **extra: Any) -> dict[str, Any]:
    """A visitor as the console lists it, for the stay's window by default."""
    return {
        "id": visitor_id,
        "first_name": "Anna",
        "last_name": "Schmidt",
        "remarks": "lockbooking",
        "nfc_cards": [],
        "pin_code": {
            "token": "bc3e3135013e2dcae119390b7897166e8cec3bcf5becb6b05578ab67634559ed"
        },
        "resources": [{"id": door, "name": "Main Door", "type": "door"}],
        "start_time": int(ARRIVAL.timestamp()),
        "end_time": int(DEPARTURE.timestamp()),
        "status": "UPCOMING",
        "visit_reason": "Others",
        **extra,
    }


@pytest.fixture
def unifi_entry(aioclient_mock: AiohttpClientMocker) -> MockConfigEntry:
    aioclient_mock.get(f"{UNIFI_API}/doors", json=fixture("unifi_access", "doors.json"))
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"UniFi Access ({UNIFI_HOST})",
        data={
            "kind": "unifi_access",
            "host": UNIFI_HOST,
            "api_token": "unifi-crash-test-api-key",
            "verify_ssl": False,
        },
        unique_id=UNIFI_HOST,
        entry_id="01JUNIFICRASH0000000000000",
    )


def mock_unifi_issue(aioclient_mock: AiohttpClientMocker) -> None:
    """The console creating a visitor, generating a PIN and assigning it."""
    aioclient_mock.post(UNIFI_VISITORS, json=fixture("unifi_access", "visitor.json"))
    aioclient_mock.post(
        f"{UNIFI_API}/credentials/pin_codes",
        json=fixture("unifi_access", "pin_code.json"),
    )
    aioclient_mock.put(
        f"{UNIFI_VISITORS}/{NEW_VISITOR}/pin_codes",
        json=fixture("unifi_access", "success.json"),
    )


@pytest.mark.parametrize("made_before_the_stop", [True, False], ids=["A", "B"])
async def test_unifi_orphaned_visitor_is_deleted_and_the_code_issued_once(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    unifi_entry: MockConfigEntry,
    made_before_the_stop: bool,
) -> None:
    """The PIN of a visitor made before the stop is unknown: the visitor goes, a new one comes.

    Visitors that are not the interrupted one stay: another stay's (same guest and
    window, but its record owns it), another door's, another window's.
    """
    others_record = replace(
        pending(UNIFI_KEY, "visitor_pin", uid="other-stay"),
        status=CodeStatus.ISSUED,
        code="11223344",
        vendor_id=OTHER_STAYS_VISITOR,
    )
    store_ledger(hass_storage, pending(UNIFI_KEY, "visitor_pin"), others_record)
    listed = [
        visitor(OTHER_STAYS_VISITOR),
        visitor(
            "0c1d2e3f-aaaa-4bbb-8ccc-000000000003",
            door="5a2c3d4e-1111-4c2b-9a6e-7f0d3c2b1a00",
        ),
        visitor(
            "0c1d2e3f-aaaa-4bbb-8ccc-000000000004",
            end_time=int(DEPARTURE.timestamp()) + 3600,
        ),
        visitor("0c1d2e3f-aaaa-4bbb-8ccc-000000000005", remarks=""),
    ]
    if made_before_the_stop:
        listed.append(visitor(ORPHAN))
    aioclient_mock.get(
        UNIFI_VISITORS, json={"code": "SUCCESS", "msg": "success", "data": listed}
    )
    aioclient_mock.delete(
        re.compile(rf"^{re.escape(UNIFI_VISITORS)}/"),
        json=fixture("unifi_access", "deleted.json"),
    )
    mock_unifi_issue(aioclient_mock)

    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", ["lock"]):
        await start(hass, unifi_entry)

    deleted = [
        (url.path.rsplit("/", 1)[-1], url.query.get("is_force"))
        for method, url, _, _ in aioclient_mock.mock_calls
        if method.upper() == "DELETE"
    ]
    assert deleted == ([(ORPHAN, "true")] if made_before_the_stop else [])
    [record] = stored(hass_storage)
    assert (record["status"], record["error"]) == ("failed", INTERRUPTED)

    code = await issue(hass, UNIFI_KEY)
    assert (code["status"], code["code"]) == ("issued", GENERATED_PIN)
    await issue(hass, UNIFI_KEY)
    assert len(requests(aioclient_mock, "POST", UNIFI_VISITORS)) == 1
    assert (
        len(
            requests(aioclient_mock, "PUT", f"{UNIFI_VISITORS}/{NEW_VISITOR}/pin_codes")
        )
        == 1
    )
    assert stored(hass_storage, "other-stay")[0]["status"] == "issued"


async def test_unifi_orphan_on_a_later_page_is_found(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    unifi_entry: MockConfigEntry,
) -> None:
    """The visitor list is read page by page until a page brings nothing new."""
    store_ledger(hass_storage, pending(UNIFI_KEY, "visitor_pin"))
    for page, listed in enumerate(
        (
            [visitor("0c1d2e3f-aaaa-4bbb-8ccc-000000000006", remarks="")],
            [visitor(ORPHAN)],
            [],
        ),
        start=1,
    ):
        aioclient_mock.get(
            UNIFI_VISITORS,
            params={"page_num": str(page)},
            json={"code": "SUCCESS", "msg": "success", "data": listed},
        )
    aioclient_mock.delete(
        f"{UNIFI_VISITORS}/{ORPHAN}", json=fixture("unifi_access", "deleted.json")
    )

    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", ["lock"]):
        await start(hass, unifi_entry)

    assert len(requests(aioclient_mock, "GET", UNIFI_VISITORS)) == 3
    assert len(requests(aioclient_mock, "DELETE", f"{UNIFI_VISITORS}/{ORPHAN}")) == 1
    assert stored(hass_storage)[0]["status"] == "failed"


async def test_unifi_unreadable_visitor_list_keeps_the_record_pending(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    unifi_entry: MockConfigEntry,
) -> None:
    """A list the console garbled is no proof the visitor is gone: nothing is decided."""
    store_ledger(hass_storage, pending(UNIFI_KEY, "visitor_pin"))
    aioclient_mock.get(
        UNIFI_VISITORS, json={"code": "SUCCESS", "msg": "success", "data": {}}
    )

    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", ["lock"]):
        await start(hass, unifi_entry)

    assert stored(hass_storage)[0]["status"] == "pending"


async def test_unifi_issue_under_way_is_left_alone_by_a_refresh(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    unifi_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A refresh during an issue does not take its `pending` record for an interrupted one."""
    store_ledger(hass_storage)
    aioclient_mock.get(
        UNIFI_VISITORS,
        json={"code": "SUCCESS", "msg": "success", "data": [visitor(NEW_VISITOR)]},
    )
    aioclient_mock.delete(
        f"{UNIFI_VISITORS}/{NEW_VISITOR}", json=fixture("unifi_access", "deleted.json")
    )
    aioclient_mock.post(UNIFI_VISITORS, json=fixture("unifi_access", "visitor.json"))
    aioclient_mock.post(
        f"{UNIFI_API}/credentials/pin_codes",
        json=fixture("unifi_access", "pin_code.json"),
    )
    assigning, release = asyncio.Event(), asyncio.Event()

    async def slow_assignment(
        method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        assigning.set()
        await release.wait()
        return AiohttpClientMockResponse(
            method, url, json=fixture("unifi_access", "success.json")
        )

    aioclient_mock.put(
        f"{UNIFI_VISITORS}/{NEW_VISITOR}/pin_codes", side_effect=slow_assignment
    )
    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", ["lock"]):
        await start(hass, unifi_entry)

    issuing = asyncio.ensure_future(issue(hass, UNIFI_KEY))
    try:
        await turns_until(assigning)
        freezer.tick(timedelta(seconds=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    finally:
        release.set()
    code = await issuing

    assert (code["status"], code["code"]) == ("issued", GENERATED_PIN)
    assert not requests(aioclient_mock, "GET", UNIFI_VISITORS)
    assert not requests(aioclient_mock, "DELETE", f"{UNIFI_VISITORS}/{NEW_VISITOR}")


# --- igloohome: an algoPIN issued again is the same PIN --------------------------------


async def test_igloohome_algopin_is_issued_again_with_one_call(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A and B look the same: igloohome is not asked, the one re-issue gives the same PIN."""
    key = f"{IGLOO_CLIENT}:{PADLOCK}"
    store_ledger(hass_storage, pending(key, "algopin_hourly", revocable=False))
    aioclient_mock.post(IGLOO_AUTH, json=fixture("igloohome", "token.json"))
    aioclient_mock.get(
        f"{IGLOO_API}/devices", json=fixture("igloohome", "devices.json")
    )
    algopin_url = f"{IGLOO_API}/devices/{PADLOCK}/algopin/hourly"
    aioclient_mock.post(algopin_url, json=fixture("igloohome", "algopin.json"))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="igloohome",
        data={
            "kind": "igloohome",
            "client_id": IGLOO_CLIENT,
            "client_secret": "igloo-crash-test-client-key",
        },
        unique_id=IGLOO_CLIENT,
        entry_id="01JIGLOOCRASH0000000000000",
    )

    await start(hass, entry)

    assert (stored(hass_storage)[0]["status"], stored(hass_storage)[0]["error"]) == (
        "failed",
        INTERRUPTED,
    )
    assert not requests(aioclient_mock, "POST", algopin_url)
    code = await issue(hass, key)
    assert (code["status"], code["code"]) == ("issued", ALGOPIN)
    assert (await issue(hass, key))["code"] == ALGOPIN
    [(_, _, body, _)] = requests(aioclient_mock, "POST", algopin_url)
    assert (body["startDate"], body["endDate"], body["variance"]) == (
        "2026-08-01T15:00:00+02:00",
        "2026-08-05T11:00:00+02:00",
        1,
    )


# --- demo: its codes live in memory ----------------------------------------------------


async def test_demo_code_accepted_then_interrupted_is_found_after_a_refresh(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    issue_spy: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A, in one run: the ledger write after the vendor's answer is cancelled."""
    put = CodeLedger.async_put

    async def stop_after_the_vendor(self: CodeLedger, record: CodeRecord) -> CodeRecord:
        if record.status is CodeStatus.ISSUED:
            raise asyncio.CancelledError
        return await put(self, record)

    with (
        patch.object(CodeLedger, "async_put", stop_after_the_vendor),
        pytest.raises(asyncio.CancelledError),
    ):
        await issue(hass, "demo_demo:front_door")
    assert (await get_code(hass))["status"] == "pending"
    assert issue_spy.call_count == 1

    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    code = await get_code(hass)
    assert code["status"] == "issued"
    vendor: DemoVendor = init_demo.runtime_data.vendor
    assert [c.code for c in vendor._codes.values()] == [code["code"]]
    assert (await issue(hass, "demo_demo:front_door"))["code"] == code["code"]
    assert issue_spy.call_count == 1


async def test_demo_code_interrupted_before_a_restart_is_issued_once_by_automatic_mode(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    demo_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_spy: Any,
) -> None:
    """B (and A: the demo forgets its codes on a restart): automatic mode issues it once."""
    freezer.move_to("2026-08-23T12:00:00+02:00")
    store_ledger(
        hass_storage,
        pending(
            "demo_demo:front_door",
            "keypad",
            uid=FIRST_UID,
            name="Reserved",
            start=datetime(2026, 8, 24, 16, tzinfo=VIENNA),
            end=datetime(2026, 9, 2, 11, tzinfo=VIENNA),
        ),
    )
    aioclient_mock.get(FEED_URL, text=feed())
    issued = async_capture_events(hass, "lockbooking_code_issued")
    reservations = MockConfigEntry(
        domain=DOMAIN,
        title="Seaside flat",
        unique_id="reservations_crash",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": ["demo_demo:front_door"],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
    )

    await start(hass, demo_entry, reservations)
    freezer.tick(timedelta(minutes=5, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert issue_spy.call_count == 1
    [record] = stored(hass_storage, FIRST_UID)
    assert record["status"] == "issued"
    # Announced once, and without the code (automations ask get_codes for it).
    assert [event.data["codes"][0]["status"] for event in issued] == ["issued"]
    assert record["code"] not in str(issued[0].data)


async def test_record_an_issue_settled_meanwhile_is_not_reconciled_again(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    demo_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_spy: Any,
) -> None:
    """A reconciliation run skips a record that an issue settled while it was busy."""
    store_ledger(
        hass_storage,
        pending("demo_demo:front_door", "keypad", uid="stay-a"),
        pending("demo_demo:garden_gate", "visitor_pin", uid="stay-b"),
    )
    armed, looking, release = asyncio.Event(), asyncio.Event(), asyncio.Event()
    lookups: list[str] = []

    async def find(vendor: DemoVendor, lock: Any, *args: Any) -> list[Any]:
        lookups.append(lock.id)
        if not armed.is_set():
            raise VendorUnavailableError("down")
        if not looking.is_set():
            looking.set()
            await release.wait()
        return []

    with patch.object(DemoVendor, "async_find_codes", find):
        await start(hass, demo_entry)
        assert [r["status"] for r in hass_storage[STORAGE_KEY]["data"]["codes"]] == [
            "pending",
            "pending",
        ]
        armed.set()
        freezer.tick(timedelta(seconds=31))
        async_fire_time_changed(hass)
        try:
            await turns_until(looking)
            code = await issue(hass, "demo_demo:garden_gate", uid="stay-b")
        finally:
            release.set()
        await hass.async_block_till_done(wait_background_tasks=True)

    assert lookups == ["front_door", "front_door", "garden_gate"]
    assert stored(hass_storage, "stay-a")[0]["status"] == "failed"
    assert (
        stored(hass_storage, "stay-b")[0]["status"],
        stored(hass_storage, "stay-b")[0]["code"],
    ) == (
        "issued",
        code["code"],
    )
    assert issue_spy.call_count == 1


async def test_a_recovered_code_is_announced_once_by_automatic_mode(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A: Nuki took the code but the stop came before the event: the guest still gets it."""
    freezer.move_to("2026-08-23T12:00:00+02:00")
    store_ledger(
        hass_storage,
        pending(
            NUKI_KEY,
            "keypad",
            uid=FIRST_UID,
            name="Reserved",
            start=datetime(2026, 8, 24, 16, tzinfo=VIENNA),
            end=datetime(2026, 9, 2, 11, tzinfo=VIENNA),
        ),
    )
    taken = nuki_auth(
        name="LB Reserved",
        allowedFromDate="2026-08-24T14:00:00.000Z",
        allowedUntilDate="2026-09-02T09:00:00.000Z",
    )
    aioclient_mock.get(NUKI_AUTHS, json=[*fixture("nuki", "auths.json"), taken])
    aioclient_mock.get(FEED_URL, text=feed())
    issued = async_capture_events(hass, "lockbooking_code_issued")
    reservations = MockConfigEntry(
        domain=DOMAIN,
        title="Seaside flat",
        unique_id="reservations_recovered",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": [NUKI_KEY],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
    )

    await start(hass, nuki_entry, reservations)
    for _ in range(2):  # later runs do not announce it again
        freezer.tick(timedelta(minutes=5, seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    assert [event.data["codes"][0]["status"] for event in issued] == ["issued"]
    assert NUKI_CODE not in str(issued[0].data)
    assert not requests(aioclient_mock, "PUT", NUKI_AUTHS)
    [record] = stored(hass_storage, FIRST_UID)
    assert (record["status"], record["announced"]) == ("issued", True)
