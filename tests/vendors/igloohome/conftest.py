"""Shared fixtures of the igloohome tests: the API's fixtures, an account, its entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import Any
from unittest.mock import patch

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
from custom_components.lockbooking.vendors.igloohome import api as igloohome_api
from custom_components.lockbooking.vendors.igloohome.api import (
    API_URL,
    TOKEN_URL,
)
from custom_components.lockbooking.vendors.igloohome.vendor import (
    IgloohomeVendor,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ...helpers import (  # noqa: F401 (lock_of: the tests here import it from here)
    fixture as fixture_file,
    lock_of,
    vendor_of as any_vendor_of,
)

CLIENT_ID = "4rm1q2example7clientid0abc"
CLIENT_SECRET = "s3cr3t-example-client-secret-value"
DEVICES_URL = f"{API_URL}/devices"
FRONT_DOOR = "OE1X123cbb11"
PADLOCK = "SP2X0f6ea1b2"
BRIDGE = "EB1X04eeeeee"
JOB_ID = "6f0d2a7e-3c1b-4f5e-9a8d-1b2c3d4e5f60"
JOB_URL = f"{API_URL}/devices/{FRONT_DOOR}/jobs/bridges/{BRIDGE}"
JOB_STATUS_URL = f"{API_URL}/jobs/{JOB_ID}"
BERLIN = dt_util.get_time_zone("Europe/Berlin")

type Handler = Callable[[str, URL, Any], Awaitable[AiohttpClientMockResponse]]


def fixture(name: str) -> Any:
    """An iglooaccess payload: tests/fixtures/igloohome/<name>."""
    return fixture_file("igloohome", name)


TOKEN = fixture("token.json")["access_token"]


def respond(status: int = 200, body: Any = None) -> Handler:
    """A side effect answering with `status` and a JSON body (or a text one)."""

    async def handler(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        if isinstance(body, str):
            return AiohttpClientMockResponse(method, url, status=status, text=body)
        return AiohttpClientMockResponse(method, url, status=status, json=body)

    return handler


def in_turn(*handlers: Handler) -> Handler:
    """A side effect that answers with each handler in turn, the last one forever."""
    remaining = list(handlers)

    async def handler(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        current = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return await current(method, url, data)

    return handler


def calls(mock: AiohttpClientMocker, method: str, url: str) -> list[tuple[Any, ...]]:
    """The recorded requests to one URL (query ignored)."""
    return [
        call
        for call in mock.mock_calls
        if call[0].lower() == method.lower() and str(call[1]).split("?")[0] == url
    ]


@pytest.fixture(autouse=True)
def no_job_waits() -> Iterator[None]:
    """Poll bridge jobs and retry requests without sleeping."""
    with (
        patch.object(igloohome_api, "JOB_POLL_DELAYS", (0, 0, 0)),
        patch("custom_components.lockbooking.vendors.retry.sleep"),
    ):
        yield


@pytest.fixture
def igloo_entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="igloohome",
        data={
            "kind": "igloohome",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        unique_id=CLIENT_ID,
        entry_id="01JIGLOOHOME00000000000000",
    )


@pytest.fixture
def igloo_api(aioclient_mock: AiohttpClientMocker) -> AiohttpClientMocker:
    """A working account: a token and the devices of `devices.json`."""
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    aioclient_mock.get(DEVICES_URL, json=fixture("devices.json"))
    return aioclient_mock


@pytest.fixture
async def init_igloo(
    hass: HomeAssistant, igloo_entry: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> MockConfigEntry:
    igloo_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(igloo_entry.entry_id)
    await hass.async_block_till_done()
    assert igloo_entry.state is ConfigEntryState.LOADED
    return igloo_entry


vendor_of = partial(any_vendor_of, kind=IgloohomeVendor)


def replace_mock(
    mock: AiohttpClientMocker, method: str, url: str, **kwargs: Any
) -> None:
    """Answer `url` differently from now on (earlier registrations win otherwise)."""
    mock._mocks = [
        m
        for m in mock._mocks
        if not (m.method.lower() == method.lower() and str(m._url) == url)
    ]
    mock.request(method, url, **kwargs)


# Config flow
