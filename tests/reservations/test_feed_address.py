"""One feed, however its address is spelled, makes one reservations entry."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.reservations.feed_address import feed_address_key
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .conftest import FEED_URL, feed, lock_device

SAME_FEED = [
    FEED_URL,
    FEED_URL.replace("https://", "webcal://"),
    FEED_URL.replace("https://", "WEBCALS://"),
    FEED_URL.replace("www.airbnb.com", "WWW.Airbnb.COM"),
    FEED_URL.replace("www.airbnb.com", "www.airbnb.com:443"),
    FEED_URL + "#calendar",
    f"  {FEED_URL.replace('https://', 'webcal://')}  ",
]


@pytest.mark.parametrize("address", SAME_FEED)
def test_spellings_of_one_feed_are_one_address(address: str) -> None:
    assert feed_address_key(address) == FEED_URL


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("http://Example.com:80/cal.ics", "http://example.com/cal.ics"),
        ("http://example.com:8080/cal.ics", "http://example.com:8080/cal.ics"),
        ("webcal://example.com:80/cal.ics", "https://example.com:80/cal.ics"),
        ("https://user:pw@Example.com/c?a=1#x", "https://user:pw@example.com/c?a=1"),
        ("https://[::1]:443/cal.ics", "https://[::1]/cal.ics"),
        # Path and query hold tokens: their case is kept.
        ("https://example.com/Cal.ics?s=AbC", "https://example.com/Cal.ics?s=AbC"),
        # Not addresses this can read: as they are.
        ("https://example.com:99999/cal.ics", "https://example.com:99999/cal.ics"),
        ("ftp://example.com/cal.ics", "ftp://example.com/cal.ics"),
        ("not an address", "not an address"),
    ],
)
def test_address_key(address: str, key: str) -> None:
    assert feed_address_key(address) == key


def test_http_and_https_stay_two_addresses() -> None:
    assert feed_address_key("http://example.com/c.ics") != feed_address_key(
        "https://example.com/c.ics"
    )


async def _add(hass: HomeAssistant, url: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        "lockbooking", context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reservations"}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "name": "Seaside flat",
            "url": url,
            "locks": [lock_device(hass, "front_door")],
            "checkin_time": "15:00:00",
            "checkout_time": "10:00:00",
        },
    )


@pytest.mark.parametrize("second", SAME_FEED[1:])
async def test_the_same_feed_added_twice_is_refused(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    second: str,
) -> None:
    aioclient_mock.get(FEED_URL, text=feed())
    aioclient_mock.get(
        FEED_URL.replace("www.airbnb.com", "www.airbnb.com:443"), text=feed()
    )
    first = await _add(hass, FEED_URL)
    assert first["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    result = await _add(hass, second)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # What the user gave is what the entry keeps.
    [entry] = hass.config_entries.async_entries(
        "lockbooking", include_ignore=False, include_disabled=False
    )[1:]
    assert entry.data["url"] == FEED_URL


async def test_an_entry_made_before_keeps_its_unique_id(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """Its unique id was the digest of the address as given: a plain https one matches."""
    old_id = f"reservations_{hashlib.sha256(FEED_URL.encode()).hexdigest()[:16]}"
    MockConfigEntry(
        domain="lockbooking",
        unique_id=old_id,
        data={"kind": "reservations", "url": FEED_URL},
        source=SOURCE_USER,
        disabled_by=None,
    ).add_to_hass(hass)
    aioclient_mock.get(FEED_URL, text=feed())

    result = await _add(hass, FEED_URL.replace("https://", "webcal://"))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    "old_address",
    [
        FEED_URL.replace("https://", "webcal://"),
        FEED_URL.replace("www.airbnb.com", "WWW.AIRBNB.COM:443") + "#x",
    ],
)
async def test_an_entry_made_before_under_another_spelling_is_found(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    old_address: str,
) -> None:
    """Its unique id came from the address as given: the address itself is compared."""
    MockConfigEntry(
        domain="lockbooking",
        unique_id=f"reservations_{hashlib.sha256(old_address.encode()).hexdigest()[:16]}",
        data={"kind": "reservations", "url": old_address},
        source=SOURCE_USER,
    ).add_to_hass(hass)
    aioclient_mock.get(FEED_URL, text=feed())

    result = await _add(hass, FEED_URL)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
