"""Codes from the guest's phone digits, where a lock takes them; random elsewhere, said why."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.code_choice import (
    NOTE_PREFERRED_REFUSED,
    NOTE_PREFERRED_RULES,
    NOTE_PREFERRED_TAKEN,
    NOTE_PREFERRED_USED,
)
from custom_components.lockbooking.vendors.base import VendorRejectedError
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.core import HomeAssistant

from .helpers import FEED_URL, FIRST_UID, feed

pytestmark = pytest.mark.usefixtures("day_before_first_stay", "four_digit_gate")

PHONE = "4144"  # the first stay's "Phone Number (Last 4 Digits)" in airbnb-1.0.ics
PHONE_NOTES = {
    NOTE_PREFERRED_USED,
    NOTE_PREFERRED_RULES,
    NOTE_PREFERRED_TAKEN,
    NOTE_PREFERRED_REFUSED,
}


async def _start(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, choice: str | None
) -> list[Any]:
    issued = async_capture_events(hass, "lockbooking_code_issued")
    aioclient_mock.get(FEED_URL, text=feed())
    entry = MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_phone",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": [
                "demo_demo:front_door",
                "demo_demo:garden_gate",
                "demo_demo:cabin",
            ],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options={} if choice is None else {"code_choice": choice},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return issued


async def _by_lock(hass: HomeAssistant, event: Any) -> dict[str, dict[str, Any]]:
    """The event's codes by lock, with the digits from get_codes (the event has none)."""
    assert event.data["uid"] == FIRST_UID
    assert all("code" not in code for code in event.data["codes"])
    response = await hass.services.async_call(
        "lockbooking",
        "get_codes",
        {"uid": FIRST_UID},
        blocking=True,
        return_response=True,
    )
    digits = {code["lock"]: code["code"] for code in response["codes"]}
    return {
        code["lock"]: {**code, "code": digits[code["lock"]]}
        for code in event.data["codes"]
    }


async def test_phone_digits_where_the_lock_takes_them(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    [event] = await _start(hass, aioclient_mock, "phone_digits")
    codes = await _by_lock(hass, event)

    assert codes["Garden gate"]["code"] == PHONE
    assert NOTE_PREFERRED_USED in codes["Garden gate"]["notes"]
    # Nuki-like keypad codes have 6 digits: a random one, and why.
    assert codes["Front door"]["code"] != PHONE
    assert len(codes["Front door"]["code"]) == 6
    assert NOTE_PREFERRED_RULES in codes["Front door"]["notes"]
    # An offline algoPIN cannot be chosen at all.
    assert codes["Cabin"]["kind"] == "algopin_hourly"
    assert NOTE_PREFERRED_RULES in codes["Cabin"]["notes"]


async def test_random_codes_by_default(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    [event] = await _start(hass, aioclient_mock, None)
    codes = await _by_lock(hass, event)

    assert PHONE not in {code["code"] for code in codes.values()}
    assert not PHONE_NOTES & {note for code in codes.values() for note in code["notes"]}


async def test_phone_digits_held_by_another_stay_are_not_reused(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    await hass.services.async_call(
        "lockbooking",
        "issue_code",
        {
            "entity_id": "lock.garden_gate",
            "uid": "another-stay",
            "start": "2026-08-20T16:00:00+02:00",
            "end": "2026-08-30T11:00:00+02:00",
            "name": "Earlier guest",
            "code": PHONE,
        },
        blocking=True,
        return_response=True,
    )
    [event] = await _start(hass, aioclient_mock, "phone_digits")
    gate = (await _by_lock(hass, event))["Garden gate"]

    assert gate["code"] != PHONE
    assert NOTE_PREFERRED_TAKEN in gate["notes"]


async def test_a_lock_refusing_the_phone_digits_gets_a_random_code(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    real_issue = DemoVendor.async_issue_code
    sent: list[str | None] = []

    async def refuse_phone(
        self: DemoVendor, lock: Any, plan: Any, name: str, code: str | None
    ) -> Any:
        if lock.id == "garden_gate":
            sent.append(code)
            if code == PHONE:
                raise VendorRejectedError("PIN length is 6 on this site")
        return await real_issue(self, lock, plan, name, code)

    with patch.object(DemoVendor, "async_issue_code", refuse_phone):
        [event] = await _start(hass, aioclient_mock, "phone_digits")
    gate = (await _by_lock(hass, event))["Garden gate"]

    assert sent == [PHONE, None]
    assert gate["status"] == "issued"
    assert gate["code"] != PHONE
    assert NOTE_PREFERRED_REFUSED in gate["notes"]
    assert NOTE_PREFERRED_USED not in gate["notes"]
