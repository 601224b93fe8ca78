"""Through Home Assistant: a bad event, closures, and the feed's address (issue #21).

An unreadable event is skipped with a repair and diagnostics, and its stay is unknown,
not cancelled; events longer than the longest stay are closures; feeds are fetched over
https only (unless the host allows plain http), redirects only to https, at most 5.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.diagnostics import async_get_config_entry_diagnostics
from custom_components.lockbooking.reservations.feed_fetch import (
    MAX_REDIRECTS,
    FeedError,
    async_fetch_feed,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir

from .conftest import FEED_URL, FIRST_UID, SECOND_UID, feed, lock_device, without_event

ISSUE = "feed_events_skipped_{}"
BAD_EVENT = "\r\n".join(
    ["BEGIN:VEVENT", "UID:bad@test", "DTSTART;VALUE=DATE:20261010", "DTEND;VALUE=DATE:20261005",
     "SUMMARY:Reserved", "END:VEVENT", "END:VCALENDAR"]
)  # fmt: skip


def with_bad_event(ics: str, event: str = BAD_EVENT) -> str:
    return ics.replace("END:VCALENDAR", event, 1)


def unreadable(ics: str, uid: str) -> str:
    """The feed with one event's dates made unreadable (it ends before it starts)."""
    head, _, tail = ics.partition(f"UID:{uid}")
    start = head.rindex("BEGIN:VEVENT")
    block = head[start:].replace("DTEND;VALUE=DATE:", "DTEND;VALUE=DATE:1999")
    return head[:start] + block + f"UID:{uid}" + tail


async def refresh(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, times: int = 1
) -> None:
    for _ in range(times):
        freezer.tick(timedelta(minutes=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_bad_event_is_skipped_reported_and_cleared(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = init_reservations
    coordinator = entry.runtime_data.coordinator
    stays = set(coordinator.data)
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=with_bad_event(feed()))

    await refresh(hass, freezer)

    assert coordinator.last_update_success
    assert set(coordinator.data) == stays
    issue = ir.async_get(hass).async_get_issue(
        "lockbooking", ISSUE.format(entry.entry_id)
    )
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {
        "entry": "Seaside flat",
        "count": "1",
        "reasons": "ends before it starts (1)",
    }
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["skipped_events"] == [
        {"uid": "bad@test", "reason": "ends before it starts"}
    ]

    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=feed())
    await refresh(hass, freezer)

    assert (
        ir.async_get(hass).async_get_issue("lockbooking", ISSUE.format(entry.entry_id))
        is None
    )
    assert (await async_get_config_entry_diagnostics(hass, entry))[
        "skipped_events"
    ] == []


async def test_the_repair_goes_with_the_entry(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(FEED_URL, text=with_bad_event(feed()))
    reservations_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(reservations_entry.entry_id)
    await hass.async_block_till_done()
    issue_id = ISSUE.format(reservations_entry.entry_id)
    assert ir.async_get(hass).async_get_issue("lockbooking", issue_id) is not None

    assert await hass.config_entries.async_unload(reservations_entry.entry_id)

    assert ir.async_get(hass).async_get_issue("lockbooking", issue_id) is None


async def test_a_stay_whose_event_became_unreadable_is_not_cancelled(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unknown, not absent: its codes stay, however many refreshes it lasts."""
    revoked = async_capture_events(hass, "lockbooking_code_revoked")
    coordinator = init_reservations.runtime_data.coordinator
    known = coordinator.data[FIRST_UID]
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=unreadable(feed(), FIRST_UID))

    await refresh(hass, freezer, 3)

    assert coordinator.data[FIRST_UID] == known
    assert not coordinator.cancelled
    assert not revoked
    assert [s.uid for s in coordinator.skipped] == [FIRST_UID]


async def test_an_unreadable_event_without_uid_holds_every_cancellation(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """It may be any stay: none is counted missing while it cannot be read."""
    revoked = async_capture_events(hass, "lockbooking_code_revoked")
    coordinator = init_reservations.runtime_data.coordinator
    gone = without_event(feed(), FIRST_UID)
    aioclient_mock.clear_requests()
    aioclient_mock.get(
        FEED_URL, text=with_bad_event(gone, BAD_EVENT.replace("UID:bad@test\r\n", ""))
    )

    await refresh(hass, freezer, 3)

    assert FIRST_UID in coordinator.data
    assert not revoked

    # Once every event reads again, the missing stay is cancelled as usual.
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=gone)
    await refresh(hass, freezer, 2)
    assert FIRST_UID not in coordinator.data
    assert [event.data["uid"] for event in revoked] == [FIRST_UID]


async def test_a_feed_of_unreadable_events_changes_nothing(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = init_reservations.runtime_data.coordinator
    known = dict(coordinator.data)
    text = feed()
    for uid in [
        FIRST_UID,
        SECOND_UID,
        *(u for u in known if u not in (FIRST_UID, SECOND_UID)),
    ]:
        text = unreadable(text, uid)
    blocks = text.count("BEGIN:VEVENT")
    for _ in range(blocks):
        text = text.replace("DTEND;VALUE=DATE:2", "DTEND;VALUE=DATE:19992", 1)
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=text)

    await refresh(hass, freezer, 3)

    assert not coordinator.last_update_success
    assert coordinator.last_exception.translation_key == "feed_unreadable"
    assert coordinator.data == known


# ------------------------------------------------------------------------- closures


@pytest.mark.parametrize(
    ("options", "closure"), [({}, True), ({"longest_stay_nights": 600}, False)]
)
async def test_events_longer_than_the_longest_stay_are_closures(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    options: dict[str, Any],
    closure: bool,
) -> None:
    """Booking.com's 18-month "CLOSED - Not available" is a closure, not a stay."""
    freezer.move_to("2026-12-20T12:00:00+01:00")
    aioclient_mock.get(FEED_URL, text=feed("booking-com-closures.ics"))
    entry = MockConfigEntry(
        domain="lockbooking", title="Seaside flat", unique_id="reservations_closures",
        data=dict(reservations_entry.data), options=options,
    )  # fmt: skip
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator

    stays = {"stay1@booking.com", "stay2@booking.com"} | (
        set() if closure else {"closure@booking.com"}
    )
    assert set(coordinator.data) == stays
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert [c["uid"] for c in diagnostics["closures"]] == (
        ["closure@booking.com"] if closure else []
    )
    if closure:
        assert diagnostics["closures"][0]["summary"] == "**REDACTED**"
        assert diagnostics["closures"][0]["end"] == "2028-08-01T11:00:00+02:00"


async def test_longest_stay_option(
    hass: HomeAssistant, init_reservations: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_reservations.entry_id)
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema["longest_stay_nights"].description["suggested_value"] == 60
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"auto_issue": True, "issue_hours_before": 48, "margin_before_minutes": 0,
         "margin_after_minutes": 0, "auto_revoke": True, "refresh_minutes": 30,
         "longest_stay_nights": 700},
    )  # fmt: skip
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload it scheduled, not during teardown
    assert init_reservations.options["longest_stay_nights"] == 700


async def test_block_patterns_ship_in_the_options_form(
    hass: HomeAssistant, init_reservations: MockConfigEntry
) -> None:
    """The host sees, and can edit, the patterns for every language."""
    result = await hass.config_entries.options.async_init(init_reservations.entry_id)
    schema = {str(key): key for key in result["data_schema"].schema}
    patterns = schema["skip_patterns"].description["suggested_value"]
    assert any("indisponible" in p for p in patterns)
    assert any("nedostupn" in p for p in patterns)


# ------------------------------------------------------------------- the address


async def _form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        "lockbooking", context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reservations"}
    )
    return result["flow_id"]


def _input(hass: HomeAssistant, **extra: Any) -> dict[str, Any]:
    return {"name": "Seaside flat", "locks": [lock_device(hass, "front_door")],
            "checkin_time": "15:00:00", "checkout_time": "10:00:00", **extra}  # fmt: skip


HTTP_URL = FEED_URL.replace("https://", "http://")


async def test_plain_http_is_refused_unless_allowed(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(HTTP_URL, text=feed())
    flow_id = await _form(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(hass, url=HTTP_URL)
    )

    assert result["errors"] == {"url": "insecure_url"}
    assert aioclient_mock.call_count == 0
    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(hass, url=HTTP_URL, allow_http=True)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["allow_http"] is True
    await hass.async_block_till_done()
    entry = hass.config_entries.async_get_entry(result["result"].entry_id)
    assert entry.runtime_data.coordinator.last_update_success


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            with_bad_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"),
            "feed_unreadable",
        ),
        (
            "BEGIN:VCALENDAR\r\n"
            + "BEGIN:X\r\n" * 100
            + "END:X\r\n" * 100
            + "END:VCALENDAR\r\n",
            "feed_too_complex",
        ),
    ],
)
async def test_a_feed_we_cannot_read_is_refused_with_its_reason(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    body: str,
    error: str,
) -> None:
    aioclient_mock.get(FEED_URL, text=body)
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(hass, url=FEED_URL)
    )
    assert result["errors"] == {"url": error}
    assert not hass.config_entries.async_entries("lockbooking", include_ignore=False)[
        1:
    ]


async def test_an_existing_http_entry_keeps_working(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """Entries added before the setting existed were accepted over http: they still are."""
    aioclient_mock.get(HTTP_URL, text=feed())
    entry = MockConfigEntry(
        domain="lockbooking", title="Old", unique_id="reservations_old",
        data={"kind": "reservations", "name": "Old", "url": HTTP_URL,
              "locks": ["demo_demo:front_door"], "checkin_time": "16:00:00", "checkout_time": "11:00:00"},
    )  # fmt: skip
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.last_update_success


async def test_fetch_refuses_http_before_any_request(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    with pytest.raises(FeedError) as err:
        await async_fetch_feed(hass, HTTP_URL)
    assert (err.value.key, err.value.detail) == ("feed_insecure", "www.airbnb.com")
    assert aioclient_mock.call_count == 0


async def test_redirects_to_https_are_followed(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    moved = "https://cdn.example.test/feeds/abc.ics"
    aioclient_mock.get(FEED_URL, status=301, headers={"Location": moved})
    aioclient_mock.get(moved, status=302, headers={"Location": "/feeds/def.ics"})
    aioclient_mock.get(
        "https://cdn.example.test/feeds/def.ics", text=feed(), headers={"ETag": '"x"'}
    )

    fetch = await async_fetch_feed(hass, FEED_URL, etag='"old"')

    assert fetch.body == feed()
    assert fetch.etag == '"x"'
    assert aioclient_mock.call_count == 3
    assert all(
        headers["If-None-Match"] == '"old"' for *_, headers in aioclient_mock.mock_calls
    )


@pytest.mark.parametrize(
    ("location", "key"),
    [
        ("http://cdn.example.test/feed.ics", "feed_insecure"),
        ("ftp://cdn.example.test/feed.ics", "feed_insecure"),
        ("https://[::1/feed.ics", "feed_http_error"),
    ],
)
async def test_redirects_anywhere_but_https_are_refused(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, location: str, key: str
) -> None:
    aioclient_mock.get(FEED_URL, status=302, headers={"Location": location})
    if key == "feed_insecure":
        aioclient_mock.get(location, text=feed())

    with pytest.raises(FeedError) as err:
        await async_fetch_feed(hass, FEED_URL, allow_http=True)

    assert err.value.key == key
    assert aioclient_mock.call_count == 1


async def test_at_most_five_redirects(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    hops = [f"https://hop{n}.example.test/feed.ics" for n in range(MAX_REDIRECTS + 2)]
    aioclient_mock.get(FEED_URL, status=307, headers={"Location": hops[0]})
    for here, there in zip(hops, hops[1:], strict=False):
        aioclient_mock.get(here, status=307, headers={"Location": there})
    aioclient_mock.get(hops[-1], text=feed())

    with pytest.raises(FeedError) as err:
        await async_fetch_feed(hass, FEED_URL)

    assert (err.value.key, err.value.detail) == (
        "feed_http_error",
        f"more than {MAX_REDIRECTS} redirects from hop{MAX_REDIRECTS - 1}.example.test",
    )
    assert aioclient_mock.call_count == MAX_REDIRECTS + 1

    # Five redirects are fine.
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, status=307, headers={"Location": hops[0]})
    for here, there in zip(
        hops[: MAX_REDIRECTS - 1], hops[1:MAX_REDIRECTS], strict=True
    ):
        aioclient_mock.get(here, status=307, headers={"Location": there})
    aioclient_mock.get(hops[MAX_REDIRECTS - 1], text=feed())
    assert (await async_fetch_feed(hass, FEED_URL)).body == feed()
    assert aioclient_mock.call_count == MAX_REDIRECTS + 1
