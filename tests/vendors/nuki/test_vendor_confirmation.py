"""Nuki keypad codes count only once the lock applied them (issue 20, builds 5 and 7).

Nuki Web answers a create, change or delete before the lock has applied it and lists
the authorization with an `operationId` meanwhile; an offline lock keeps accepting a
code whose delete is still waiting. So a code is issued once listed without an
`operationId`, revoked once no longer listed, and pending (shown so, tried again)
until then. A window moves in place, keeping the code's digits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from http import HTTPStatus
from itertools import count
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.models import CodeKind, IssuedCode, Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .conftest import (
    ARRIVAL,
    AUTHS_URL,
    DEPARTURE,
    FRONT,
    PENDING,
    VIENNA,
    calls,
    fixture,
    keypad_plan,
    lock_of,
    new_auth,
    vendor_of,
)

STAY = {"start": ARRIVAL.isoformat(), "end": DEPARTURE.isoformat()}


class FakeNukiWeb:
    """The front door's authorizations at Nuki Web, and a lock that applies them."""

    def __init__(self) -> None:
        self.auths: list[dict[str, Any]] = fixture("auths")
        self.online = True
        self.deleting: set[str] = set()
        self._ids = count(1)

    def apply(self) -> None:
        """The lock comes online and applies every waiting change."""
        self.online = True
        self.auths = [auth for auth in self.auths if auth["id"] not in self.deleting]
        self.deleting.clear()
        for auth in self.auths:
            auth.pop("operationId", None)

    def _waiting(self) -> dict[str, Any]:
        return {} if self.online else PENDING

    async def listing(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        return AiohttpClientMockResponse(
            method, url, json=[dict(a) for a in self.auths]
        )

    async def create(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        auth = new_auth(data["code"], data["name"], **self._waiting())
        auth["id"] = f"auth-{next(self._ids)}"
        auth["allowedFromDate"] = data["allowedFromDate"]
        auth["allowedUntilDate"] = data["allowedUntilDate"]
        self.auths.append(auth)
        return AiohttpClientMockResponse(method, url, status=HTTPStatus.NO_CONTENT)

    def _find(self, url: URL) -> dict[str, Any] | None:
        auth_id = url.path.rsplit("/", 1)[-1]
        return next((auth for auth in self.auths if auth["id"] == auth_id), None)

    async def delete(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        auth = self._find(url)
        if auth is None:
            return AiohttpClientMockResponse(method, url, status=HTTPStatus.NOT_FOUND)
        if auth.get("operationId"):
            return AiohttpClientMockResponse(method, url, status=HTTPStatus.LOCKED)
        if self.online:
            self.auths.remove(auth)
        else:
            auth.update(PENDING)
            self.deleting.add(auth["id"])
        return AiohttpClientMockResponse(method, url, status=HTTPStatus.NO_CONTENT)

    async def update(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        auth = self._find(url)
        if auth is None:
            return AiohttpClientMockResponse(method, url, status=HTTPStatus.NOT_FOUND)
        auth.update(data, **self._waiting())
        return AiohttpClientMockResponse(method, url, status=HTTPStatus.NO_CONTENT)


@pytest.fixture
def nuki_web(aioclient_mock: AiohttpClientMocker) -> FakeNukiWeb:
    fake = FakeNukiWeb()
    aioclient_mock.get(AUTHS_URL, side_effect=fake.listing)
    aioclient_mock.put(AUTHS_URL, side_effect=fake.create)
    for number in range(1, 4):
        url = f"{AUTHS_URL}/auth-{number}"
        aioclient_mock.delete(url, side_effect=fake.delete)
        aioclient_mock.post(url, side_effect=fake.update)
    return fake


async def _call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    return await hass.services.async_call(
        "lockbooking",
        service,
        {"entity_id": "lock.front_door", **data},
        blocking=True,
        return_response=True,
    )


# --- creates -------------------------------------------------------------------


async def test_create_counts_once_the_lock_applied_it(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    existing = fixture("auths")
    waiting = new_auth(456789, **PENDING)
    applied = new_auth(456789)
    answers = [
        existing,
        [*existing, waiting],
        [*existing, waiting],
        [*existing, applied],
    ]

    async def listing(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        return AiohttpClientMockResponse(method, url, json=answers.pop(0))

    aioclient_mock.get(AUTHS_URL, side_effect=listing)
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    front = lock_of(init_nuki, FRONT)
    issued = await vendor_of(init_nuki).async_issue_code(
        front, keypad_plan(front), "Meier", "456789"
    )
    assert issued.vendor_id == applied["id"]
    assert answers == []  # looked until the lock had it


async def test_create_never_applied_is_pending_then_issued(
    hass: HomeAssistant, init_nuki: MockConfigEntry, nuki_web: FakeNukiWeb
) -> None:
    """Offline lock: the issue fails as unknown, get_codes says pending, a retry settles."""
    nuki_web.online = False
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "issue_code", **STAY, uid="stay-1", name="Meier")
    assert err.value.translation_key == "vendor_unavailable"
    [shown] = (await _call(hass, "get_codes", uid="stay-1"))["codes"]
    assert shown["status"] == "pending"
    [record] = hass.data[LEDGER].records("stay-1")
    assert record.uncertain

    # Still waiting for the lock: the retry finds it waiting and sends nothing new.
    with pytest.raises(HomeAssistantError):
        await _call(hass, "issue_code", **STAY, uid="stay-1", name="Meier")
    assert (await _call(hass, "get_codes", uid="stay-1"))["codes"][0][
        "status"
    ] == "pending"

    nuki_web.apply()
    [code] = (await _call(hass, "issue_code", **STAY, uid="stay-1", name="Meier"))[
        "codes"
    ]
    assert code["status"] == "issued"
    [ours] = [auth for auth in nuki_web.auths if auth["name"] == "LB Meier"]
    assert code["code"] == str(ours["code"])
    assert hass.data[LEDGER].records("stay-1")[0].vendor_id == ours["id"]


async def test_create_lost_is_sent_again_with_the_same_digits(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    nuki_web: FakeNukiWeb,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A create that timed out and never reached the lock: the retry sends the same code."""
    answers = iter([{"exc": TimeoutError()}])

    async def create(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        if (answer := next(answers, None)) is not None:
            raise answer["exc"]
        return await nuki_web.create(method, url, data)

    aioclient_mock._mocks = [
        mock
        for mock in aioclient_mock._mocks
        if not (mock.method == "put" and str(mock._url) == AUTHS_URL)
    ]
    aioclient_mock.put(AUTHS_URL, side_effect=create)
    with pytest.raises(HomeAssistantError):
        await _call(hass, "issue_code", **STAY, uid="stay-1", name="Meier")
    assert (await _call(hass, "get_codes", uid="stay-1"))["codes"][0][
        "status"
    ] == "pending"

    [code] = (await _call(hass, "issue_code", **STAY, uid="stay-1", name="Meier"))[
        "codes"
    ]
    first, second = (body["code"] for _, body in calls(aioclient_mock, "PUT"))
    assert first == second == int(code["code"])
    assert code["status"] == "issued"


async def test_find_codes_waits_for_the_lock(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(
        AUTHS_URL, json=[*fixture("auths"), new_auth(456789, "LB Meier", **PENDING)]
    )
    front = lock_of(init_nuki, FRONT)
    with pytest.raises(VendorUnavailableError):
        await vendor_of(init_nuki).async_find_codes(
            front, "Meier", keypad_plan(front).window, CodeKind.KEYPAD
        )


# --- deletes -------------------------------------------------------------------


async def test_delete_counts_once_the_lock_applied_it(
    hass: HomeAssistant, init_nuki: MockConfigEntry, nuki_web: FakeNukiWeb
) -> None:
    """Offline lock: the code stays issued (it still opens) until the delete applied."""
    [code] = (await _call(hass, "issue_code", **STAY, uid="stay-1", name="Meier"))[
        "codes"
    ]
    nuki_web.online = False
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "revoke_code", uid="stay-1")
    assert err.value.translation_key == "vendor_unavailable"
    assert (await _call(hass, "get_codes", uid="stay-1"))["codes"][0][
        "status"
    ] == "issued"

    # Still waiting: Nuki refuses another delete (423); the code is still issued.
    with pytest.raises(HomeAssistantError):
        await _call(hass, "revoke_code", uid="stay-1")

    nuki_web.apply()
    [revoked] = (await _call(hass, "revoke_code", uid="stay-1"))["codes"]
    assert revoked["status"] == "revoked"
    assert all(auth.get("code") != int(code["code"]) for auth in nuki_web.auths)


# --- windows moved in place ----------------------------------------------------


def _issued(auth_id: str = "68b0c1d2e3f4a5b6c7d8e9f0") -> IssuedCode:
    return IssuedCode(
        FRONT, CodeKind.KEYPAD, "987654", Window(ARRIVAL, DEPARTURE), auth_id
    )


def _later_plan(init_nuki: MockConfigEntry) -> Any:
    front = lock_of(init_nuki, FRONT)
    return plan_code(
        front.code_rules,
        Window(ARRIVAL, DEPARTURE + timedelta(days=2)),
        VIENNA,
    )


async def test_window_moves_in_place(
    init_nuki: MockConfigEntry,
    nuki_web: FakeNukiWeb,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(
        f"{AUTHS_URL}/68b0c1d2e3f4a5b6c7d8e9f0", side_effect=nuki_web.update
    )
    vendor = vendor_of(init_nuki)
    assert vendor.updates_window_in_place
    plan = _later_plan(init_nuki)
    moved = await vendor.async_update_code_window(
        lock_of(init_nuki, FRONT), _issued(), plan
    )
    assert moved == replace(_issued(), window=plan.window, notes=plan.notes)
    [(url, body)] = calls(aioclient_mock, "POST")
    assert url == f"{AUTHS_URL}/68b0c1d2e3f4a5b6c7d8e9f0"
    assert body == {
        "name": "LB Weber family",
        "allowedFromDate": "2026-08-01T13:00:00.000Z",
        "allowedUntilDate": "2026-08-07T09:00:00.000Z",
        "allowedWeekDays": 127,
        "allowedFromTime": 0,
        "allowedUntilTime": 0,
    }
    assert calls(aioclient_mock, "PUT") == calls(aioclient_mock, "DELETE") == []


async def test_window_move_not_applied_is_unknown(
    init_nuki: MockConfigEntry,
    nuki_web: FakeNukiWeb,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(
        f"{AUTHS_URL}/68b0c1d2e3f4a5b6c7d8e9f0", side_effect=nuki_web.update
    )
    nuki_web.online = False
    with pytest.raises(VendorUnavailableError) as err:
        await vendor_of(init_nuki).async_update_code_window(
            lock_of(init_nuki, FRONT), _issued(), _later_plan(init_nuki)
        )
    assert not err.value.unprocessed
    assert "987654" not in str(err.value)


async def test_window_move_of_a_code_gone(
    init_nuki: MockConfigEntry,
    nuki_web: FakeNukiWeb,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    with pytest.raises(VendorRejectedError):
        await vendor_of(init_nuki).async_update_code_window(
            lock_of(init_nuki, FRONT), _issued("auth-gone"), _later_plan(init_nuki)
        )
    assert calls(aioclient_mock, "POST") == []


async def test_window_move_of_another_kind(init_nuki: MockConfigEntry) -> None:
    issued = replace(_issued(), kind=CodeKind.ALGOPIN_HOURLY)
    with pytest.raises(VendorUnsupportedError):
        await vendor_of(init_nuki).async_update_code_window(
            lock_of(init_nuki, FRONT), issued, _later_plan(init_nuki)
        )


async def test_a_failed_look_is_followed_by_the_next(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    nuki_web: FakeNukiWeb,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """An unreadable list while waiting for the lock is not the end of the wait."""
    answers = [{"json": fixture("auths")}, {"json": {"unexpected": True}}]

    async def listing(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        if answers:
            return AiohttpClientMockResponse(method, url, **answers.pop(0))
        return await nuki_web.listing(method, url, data)

    aioclient_mock._mocks = [
        mock
        for mock in aioclient_mock._mocks
        if not (mock.method == "get" and str(mock._url) == AUTHS_URL)
    ]
    aioclient_mock.get(AUTHS_URL, side_effect=listing)
    front = lock_of(init_nuki, FRONT)
    issued = await vendor_of(init_nuki).async_issue_code(
        front, keypad_plan(front), "Meier", "456789"
    )
    assert issued.vendor_id == "auth-1"
    assert answers == []
