"""The iglooaccess client: its token, renewed when due or refused, and paging."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.lockbooking.vendors.igloohome import api as igloohome_api
from custom_components.lockbooking.vendors.igloohome.api import (
    TOKEN_URL,
)
from custom_components.lockbooking.vendors.igloohome.vendor import (
    IgloohomeVendor,
)
from homeassistant.core import HomeAssistant

from .conftest import (
    DEVICES_URL,
    FRONT_DOOR,
    PADLOCK,
    TOKEN,
    calls,
    fixture,
    in_turn,
    respond,
    vendor_of,
)


async def test_token_cached_across_calls(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    vendor = vendor_of(init_igloo)
    await vendor.async_get_locks()
    await vendor.async_get_locks()
    assert len(calls(igloo_api, "get", DEVICES_URL)) == 3
    assert len(calls(igloo_api, "post", TOKEN_URL)) == 1


async def test_token_renewed_before_expiry(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    vendor = IgloohomeVendor(hass, igloo_entry.data)
    await vendor.async_get_locks()
    # expires_in is a day; the token is renewed five minutes before it runs out.
    freezer.tick(timedelta(hours=23, minutes=54))
    await vendor.async_get_locks()
    assert len(calls(igloo_api, "post", TOKEN_URL)) == 1
    freezer.tick(timedelta(minutes=2))
    await vendor.async_get_locks()
    assert len(calls(igloo_api, "post", TOKEN_URL)) == 2


async def test_token_lifetime_defaults_to_an_hour(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(TOKEN_URL, json={"access_token": TOKEN, "token_type": "Bearer"})
    aioclient_mock.get(DEVICES_URL, json=fixture("devices.json"))
    vendor = IgloohomeVendor(hass, igloo_entry.data)
    await vendor.async_get_locks()
    freezer.tick(timedelta(minutes=54))
    await vendor.async_get_locks()
    assert len(calls(aioclient_mock, "post", TOKEN_URL)) == 1
    freezer.tick(timedelta(minutes=2))
    await vendor.async_get_locks()
    assert len(calls(aioclient_mock, "post", TOKEN_URL)) == 2


async def test_refused_token_is_renewed_once(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    aioclient_mock.get(
        DEVICES_URL,
        side_effect=in_turn(
            respond(401, {"message": "The incoming token has expired"}),
            respond(200, fixture("devices.json")),
        ),
    )
    locks = await IgloohomeVendor(hass, igloo_entry.data).async_get_locks()
    assert len(locks) == 2
    assert len(calls(aioclient_mock, "post", TOKEN_URL)) == 2
    assert len(calls(aioclient_mock, "get", DEVICES_URL)) == 2


async def test_pagination_follows_next_cursor(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    cursor = fixture("devices_page_1.json")["nextCursor"]
    aioclient_mock.get(
        DEVICES_URL, params={"cursor": cursor}, json=fixture("devices_page_2.json")
    )
    aioclient_mock.get(DEVICES_URL, json=fixture("devices_page_1.json"))
    vendor = IgloohomeVendor(hass, igloo_entry.data)
    locks = {lock.id: lock for lock in await vendor.async_get_locks()}
    assert set(locks) == {FRONT_DOOR, PADLOCK}
    # The Bridge on page 2 serves the lock on page 1.
    assert locks[FRONT_DOOR].capabilities.remote_unlock
    assert locks[PADLOCK].status.battery_level == 64
    requests = calls(aioclient_mock, "get", DEVICES_URL)
    assert [call[1].query.get("cursor") for call in requests] == [None, cursor]


async def test_pagination_is_bounded(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    pages = iter(range(100))

    async def endless(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        page = {**fixture("devices_page_1.json"), "nextCursor": f"page-{next(pages)}"}
        return AiohttpClientMockResponse(method, url, json=page)

    aioclient_mock.get(DEVICES_URL, side_effect=endless)
    with patch.object(igloohome_api, "MAX_PAGES", 3):
        locks = await IgloohomeVendor(hass, igloo_entry.data).async_get_locks()
    assert len(locks) == 3
    assert len(calls(aioclient_mock, "get", DEVICES_URL)) == 3


def test_a_fresher_token_is_kept(hass: HomeAssistant) -> None:
    client = igloohome_api.IgloohomeClient(None, "id", "secret")  # type: ignore[arg-type]
    client._token = "fresh"
    client._drop_token("refused")
    assert client._token == "fresh"
    client._drop_token("fresh")
    assert client._token is None


async def test_pagination_stops_on_a_repeated_cursor(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    page = {**fixture("devices_page_1.json"), "nextCursor": "same"}
    aioclient_mock.get(DEVICES_URL, json=page)
    locks = await IgloohomeVendor(hass, igloo_entry.data).async_get_locks()
    assert len(calls(aioclient_mock, "get", DEVICES_URL)) == 2
    assert [lock.id for lock in locks] == [FRONT_DOOR, FRONT_DOOR]
