"""Shared fixtures of the Nuki Web tests: the API's fixtures, an account, its entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.models import (
    Lock,
    PlannedCode,
    Window,
)
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.nuki.vendor import (
    NukiVendor,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from ...helpers import (  # noqa: F401 (lock_of: the tests here import it from here)
    fixture as fixture_file,
    lock_of,
    vendor_of as any_vendor_of,
)

API = "https://api.nuki.io"
TOKEN = "nuki-test-token-9f8e7d6c"
NEW_TOKEN = "nuki-new-token-1a2b3c4d"
FRONT = "17592186044417"
CELLAR = "17592186044418"
OPENER = "17592186044419"
SHED = "17592186044420"
AUTHS_URL = f"{API}/smartlock/{FRONT}/auth"
LOG_URL = f"{API}/smartlock/{FRONT}/log"
# The authorization ids of the fixtures: the one new_auth() creates, and the cleaner's.
OUR_AUTH = "68c2a9f1e3f4a5b6c7d8e901"
CLEANER_AUTH = "6775e353c52a77633bf92c4b"
VIENNA = ZoneInfo("Europe/Vienna")
# 15:00 to 11:00 local summer time, which is 13:00 to 09:00 UTC.
ARRIVAL = datetime(2026, 8, 1, 15, 0, tzinfo=VIENNA)
DEPARTURE = datetime(2026, 8, 5, 11, 0, tzinfo=VIENNA)
AUTHS = "custom_components.lockbooking.vendors.nuki.auths"


def fixture(name: str) -> Any:
    """A Nuki Web payload: tests/fixtures/nuki/<name>.json."""
    return fixture_file("nuki", f"{name}.json")


def new_auth(code: int, name: str = "LB Meier", **extra: Any) -> dict[str, Any]:
    return {
        "id": "68c2a9f1e3f4a5b6c7d8e901",
        "smartlockId": int(FRONT),
        "authId": 4120,
        "code": code,
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


# While the lock has not applied an authorization's last change, Nuki lists it with this.
PENDING = {"operationId": "68c2a9f1e3f4a5b6c7d8e902"}


def auths_in_turn(*lists: list[dict[str, Any]]) -> Callable[..., Awaitable[Any]]:
    """A side effect answering GET .../auth with each list in turn, then the last."""
    answers = list(lists)

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        body = answers.pop(0) if len(answers) > 1 else answers[0]
        return AiohttpClientMockResponse(method, url, json=body)

    return answer


def calls(aioclient_mock: AiohttpClientMocker, method: str) -> list[tuple[str, Any]]:
    return [
        (str(url), data)
        for call_method, url, data, _ in aioclient_mock.mock_calls
        if call_method.upper() == method
    ]


@pytest.fixture(autouse=True)
def no_find_delays() -> Any:
    with (
        patch(f"{AUTHS}.FIND_DELAYS", (0.0, 0.0, 0.0, 0.0)),
        patch("custom_components.lockbooking.vendors.retry.sleep"),
    ):
        yield


@pytest.fixture
def nuki_api(aioclient_mock: AiohttpClientMocker) -> AiohttpClientMocker:
    """Nuki Web with the fixtures' account, locks and authorizations."""
    aioclient_mock.get(f"{API}/account", json=fixture("account"))
    aioclient_mock.get(f"{API}/smartlock", json=fixture("smartlocks"))
    return aioclient_mock


@pytest.fixture
def nuki_entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Nuki (Holiday flats)",
        data={"kind": "nuki", "api_token": TOKEN},
        unique_id="123456",
        entry_id="01JNUKI0000000000000000000",
    )


@pytest.fixture
async def init_nuki(
    hass: HomeAssistant, nuki_api: AiohttpClientMocker, nuki_entry: MockConfigEntry
) -> MockConfigEntry:
    nuki_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(nuki_entry.entry_id)
    await hass.async_block_till_done()
    assert nuki_entry.state is ConfigEntryState.LOADED
    return nuki_entry


vendor_of = partial(any_vendor_of, kind=NukiVendor)


def keypad_plan(lock: Lock) -> PlannedCode:
    return plan_code(lock.code_rules, Window(ARRIVAL, DEPARTURE), VIENNA)


# --- config flow -----------------------------------------------------------------


def log_queries(aioclient_mock: AiohttpClientMocker) -> list[dict[str, str]]:
    """The queries of the activity-log reads made so far."""
    return [
        dict(url.query)
        for method, url, _, _ in aioclient_mock.mock_calls
        if method.upper() == "GET" and url.path.endswith("/log")
    ]
