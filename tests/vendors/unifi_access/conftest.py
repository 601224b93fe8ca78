"""Shared fixtures of the UniFi Access tests: the console's fixtures, its entry."""

from __future__ import annotations

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
)
from yarl import URL

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.models import (
    Lock,
)
from custom_components.lockbooking.vendors.unifi_access.vendor import (
    UnifiAccessVendor,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ...helpers import (
    fixture as fixture_file,
    lock_of as any_lock_of,
    vendor_of as any_vendor_of,
)

HOST = "192.168.1.1"
TOKEN = "wHFmHRuX4I7sB2oDkD6wHg"
API = f"https://{HOST}:12445/api/v1/developer"
DOORS_URL = f"{API}/doors"
VISITORS_URL = f"{API}/visitors"
PIN_URL = f"{API}/credentials/pin_codes"
LOGS_URL = f"{API}/system/logs"
MAIN_DOOR = "0ed545f8-2fcd-4839-9021-b39e707f6aa9"
STORAGE = "9b8c7d6e-2222-4d3c-8b7a-6e5f4d3c2b10"
VISITOR_ID = "fbe8d920-47d3-4cdf-bda7-bf4b0e26f73c"
VISITOR_URL = f"{VISITORS_URL}/{VISITOR_ID}"
OTHER_VISITOR_ID = "2c9a41d7-8e3b-4f6a-9d15-0b7e3c8f2a64"
GENERATED_PIN = "67203419"
MAIN_LOCK = "lock.unvr_1f_main_door"
GATE_LOCK = "lock.unvr_1f_garden_gate"
BERLIN = ZoneInfo("Europe/Berlin")


def fixture(name: str) -> Any:
    """A UniFi Access console's answer: tests/fixtures/unifi_access/<name>."""
    return fixture_file("unifi_access", name)


def envelope(code: str, msg: str = "") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": None}


def calls(aioclient_mock: AiohttpClientMocker) -> list[tuple[str, str, Any]]:
    """(method, url, body) of every request, in order."""
    return [
        (method.upper(), str(url), data)
        for method, url, data, _ in aioclient_mock.mock_calls
    ]


def mock_doors(aioclient_mock: AiohttpClientMocker, **kwargs: Any) -> None:
    if not kwargs:
        kwargs = {"json": fixture("doors.json")}
    aioclient_mock.get(DOORS_URL, **kwargs)


@pytest.fixture(autouse=True)
def no_retry_waits() -> Any:
    """Retry requests without sleeping."""
    with patch("custom_components.lockbooking.vendors.retry.sleep"):
        yield


@pytest.fixture(autouse=True)
def only_the_tls_api(request: pytest.FixtureRequest) -> Any:
    """Check that every request of every test here goes over https to port 12445.

    A test that opens real sockets (to a TLS server on 127.0.0.1) has no mocked
    session to check, and must not get one.
    """
    if "socket_enabled" in request.fixturenames:
        yield
        return
    aioclient_mock: AiohttpClientMocker = request.getfixturevalue("aioclient_mock")
    sent: list[URL] = []
    match_request = aioclient_mock.match_request

    async def record(method: str, url: Any, **kwargs: Any) -> Any:
        sent.append(URL(str(url)))
        return await match_request(method, url, **kwargs)

    aioclient_mock.match_request = record  # type: ignore[method-assign]
    yield
    assert all((url.scheme, url.port) == ("https", 12445) for url in sent), sent


@pytest.fixture
def entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"UniFi Access ({HOST})",
        data={
            "kind": "unifi_access",
            "host": HOST,
            "api_token": TOKEN,
            "verify_ssl": False,
        },
        unique_id=HOST,
        entry_id="01JUNIFIACCESS000000000000",
    )


@pytest.fixture
async def init_entry(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> MockConfigEntry:
    mock_doors(aioclient_mock)
    entry.add_to_hass(hass)
    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", [Platform.LOCK]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    aioclient_mock.clear_requests()
    mock_doors(aioclient_mock)
    return entry


vendor_of = partial(any_vendor_of, kind=UnifiAccessVendor)


def lock_of(entry: MockConfigEntry, lock_id: str = MAIN_DOOR) -> Lock:
    """One of the console's doors (the main door unless named), as last read."""
    return any_lock_of(entry, lock_id)


# --- config flow ---------------------------------------------------------------
