"""The reservations step, its options and its reconfiguration."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    setup_test_component_platform,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component

from .conftest import FEED_URL, feed, lock_device


async def _form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        "lockbooking", context={"source": SOURCE_USER}
    )
    assert "reservations" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reservations"}
    )
    assert result["step_id"] == "reservations"
    return result["flow_id"]


def _input(hass: HomeAssistant, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Seaside flat",
        "locks": [lock_device(hass, "front_door")],
        "checkin_time": "15:00:00",
        "checkout_time": "10:00:00",
        **extra,
    }


async def test_feed_entry(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(FEED_URL, text=feed())
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(hass, url="  " + FEED_URL.replace("https", "webcal") + " ")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Seaside flat"
    assert result["data"]["locks"] == ["demo_demo:front_door"]
    assert result["data"]["url"] == FEED_URL.replace("https", "webcal")
    assert result["options"]["auto_issue"] is True
    await hass.async_block_till_done()
    assert hass.states.get("calendar.seaside_flat") is not None
    # The same feed twice is refused.
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(hass, url=FEED_URL.replace("https", "webcal"))
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("extra", "mock", "errors"),
    [
        ({}, None, {"base": "url_or_calendar"}),
        (
            {"url": FEED_URL, "calendar": "calendar.other"},
            None,
            {"base": "url_or_calendar"},
        ),
        ({"url": "ftp://example.com/x.ics"}, None, {"url": "invalid_url"}),
        ({"url": FEED_URL}, {"status": 404}, {"base": "cannot_connect"}),
        ({"url": FEED_URL}, {"text": "<html>login</html>"}, {"url": "invalid_feed"}),
        ({"url": FEED_URL, "locks": ["not-a-device"]}, None, {"locks": "no_locks"}),
    ],
)
async def test_errors_then_recovery(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    extra: dict[str, Any],
    mock: dict[str, Any] | None,
    errors: dict[str, str],
) -> None:
    if mock is not None:
        aioclient_mock.get(FEED_URL, **mock)
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(hass, **extra)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=feed())
    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(hass, url=FEED_URL)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_options_flow_reloads(
    hass: HomeAssistant, init_reservations: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_reservations.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "auto_issue": False,
            "issue_hours_before": 24,
            "margin_before_minutes": 30,
            "margin_after_minutes": 0,
            "auto_revoke": True,
            "skip_patterns": ["Not available", "Owner stay"],
            "refresh_minutes": 60,
            "code_choice": "phone_digits",
            "same_code": True,
            "not_arrived_warning": "all",
            "not_arrived_hours": 4,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_reservations.options["refresh_minutes"] == 60
    assert init_reservations.options["code_choice"] == "phone_digits"
    assert init_reservations.options["same_code"] is True
    assert init_reservations.options["not_arrived_warning"] == "all"
    assert init_reservations.options["not_arrived_hours"] == 4
    coordinator = init_reservations.runtime_data.coordinator
    assert coordinator.update_interval == timedelta(minutes=60)


async def test_accounts_have_no_options(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    assert not init_demo.supports_options


async def test_reconfigure(
    hass: HomeAssistant, init_reservations: MockConfigEntry
) -> None:
    result = await init_reservations.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(hass, url=FEED_URL, name="Seaside flat 2")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    # The reload it scheduled finishes here, not during teardown (a lingering timer).
    await hass.async_block_till_done()
    assert init_reservations.title == "Seaside flat 2"
    assert init_reservations.data["checkin_time"] == "15:00:00"


class StaysCalendar(CalendarEntity):
    """Another calendar in Home Assistant with two stays (all-day and timed)."""

    _attr_name = "Stays"
    _attr_unique_id = "stays"

    def __init__(self) -> None:
        tz = datetime.now().astimezone().tzinfo
        self._events = [
            CalendarEvent(
                start=date(2026, 8, 24),
                end=date(2026, 8, 27),
                summary="Anna",
                uid="anna",
            ),
            CalendarEvent(
                start=datetime(2026, 9, 1, 14, 0, tzinfo=tz),
                end=datetime(2026, 9, 3, 10, 0, tzinfo=tz),
                summary="Ben",
                description="Phone Number (Last 4 Digits): 1234",
            ),
        ]

    @property
    def event(self) -> CalendarEvent | None:
        return self._events[0]

    async def async_get_events(
        self, hass: HomeAssistant, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        return self._events


# The test calendar is not a config entry's, so nothing unloads its midnight alarm.
@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_calendar_entry(hass: HomeAssistant, init_demo: MockConfigEntry) -> None:
    setup_test_component_platform(hass, "calendar", [StaysCalendar()])
    assert await async_setup_component(
        hass, "calendar", {"calendar": {"platform": "test"}}
    )
    await hass.async_block_till_done()
    issued = async_capture_events(hass, "lockbooking_code_issued")
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        _input(
            hass,
            calendar="calendar.stays",
            checkin_time="16:00:00",
            checkout_time="11:00:00",
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    [event] = issued
    assert event.data["summary"] == "Anna"
    assert event.data["checkin"] == "2026-08-24T16:00:00+02:00"
    assert event.data["checkout"] == "2026-08-27T11:00:00+02:00"
    coordinator = hass.config_entries.async_entries("lockbooking")[
        -1
    ].runtime_data.coordinator
    ben = next(r for r in coordinator.data.values() if r.summary == "Ben")
    assert ben.phone_last4 == "1234"
    assert len(ben.uid) == 32
