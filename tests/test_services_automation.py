"""A real automation: calendar trigger with an offset -> issue_code -> use the response."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from .helpers import FEED_URL, FIRST_UID, feed

pytestmark = pytest.mark.usefixtures("day_before_first_stay")


async def test_calendar_trigger_issues_and_sends_the_code(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    sent = async_mock_service(hass, "notify", "send_message")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "Send the door code",
                "trigger": {
                    "platform": "calendar",
                    "event": "start",
                    "entity_id": "calendar.seaside_flat",
                    "offset": "-2:00:00",
                },
                "action": [
                    {
                        "action": "lockbooking.issue_code",
                        "target": {"entity_id": "lock.front_door"},
                        "data": {
                            "start": "{{ trigger.calendar_event.start }}",
                            "end": "{{ trigger.calendar_event.end }}",
                            "name": "{{ trigger.calendar_event.summary }}",
                            "uid": "{{ trigger.calendar_event.uid }}",
                        },
                        "response_variable": "issued",
                    },
                    {
                        "action": "notify.send_message",
                        "target": {"entity_id": "notify.guest_sms"},
                        "data": {
                            "message": "{{ issued.codes[0].code }} from {{ issued.codes[0].starts }}",
                            "title": "{{ issued.codes[0].uid }}",
                        },
                    },
                ],
            }
        },
    )
    await hass.async_block_till_done()
    # 12:00 the day before: nothing yet. The trigger fires at 14:00 on check-in day.
    freezer.tick(timedelta(hours=25, minutes=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert not sent
    for _ in range(4):
        freezer.tick(timedelta(minutes=15))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    [message] = sent
    assert message.data["title"] == FIRST_UID
    # Automatic mode had issued this stay's code already: the automation gets the same one.
    codes = await hass.services.async_call(
        "lockbooking",
        "get_codes",
        {"uid": FIRST_UID, "entity_id": "lock.front_door"},
        blocking=True,
        return_response=True,
    )
    code = codes["codes"][0]["code"]
    assert message.data["message"] == f"{code} from 2026-08-24T16:00:00+02:00"
    await hass.services.async_call(
        "automation",
        "turn_off",
        {"entity_id": "automation.send_the_door_code"},
        blocking=True,
    )


async def test_code_issued_event_then_get_codes_sends_the_code(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The README's second example: the event has no code, get_codes gives it."""
    sent = async_mock_service(hass, "notify", "send_message")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "Send issued codes",
                "triggers": {
                    "trigger": "event",
                    "event_type": "lockbooking_code_issued",
                },
                "actions": [
                    {
                        "action": "lockbooking.get_codes",
                        "data": {"uid": "{{ trigger.event.data.uid }}"},
                        "response_variable": "stay",
                    },
                    {
                        "action": "notify.send_message",
                        "target": {"entity_id": "notify.guest_sms"},
                        "data": {
                            "message": "{% for c in stay.codes if c.status == 'issued' %}"
                            "{{ c.lock }}: {{ c.code }}\n{% endfor %}"
                        },
                    },
                ],
            }
        },
    )
    aioclient_mock.get(FEED_URL, text=feed())
    reservations_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(reservations_entry.entry_id)
    await hass.async_block_till_done()

    [message] = sent
    codes = await hass.services.async_call(
        "lockbooking",
        "get_codes",
        {"uid": FIRST_UID},
        blocking=True,
        return_response=True,
    )
    expected = "".join(f"{c['lock']}: {c['code']}\n" for c in codes["codes"])
    assert message.data["message"].strip() == expected.strip()
    assert len(codes["codes"]) == 2
