"""The same code everywhere: one code on every lock of a stay that takes a chosen code."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.code_choice import (
    NOTE_PREFERRED_USED,
    NOTE_SAME_CODE_OWN,
    NOTE_SAME_CODE_REFUSED,
    NOTE_SAME_CODE_USED,
)
from custom_components.lockbooking.models import IssuedCode, Lock, PlannedCode
from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.demo import vendor as demo
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.core import HomeAssistant

from .helpers import FEED_URL, FIRST_UID, feed

pytestmark = pytest.mark.usefixtures("day_before_first_stay")

PHONE = "4144"  # the first stay's "Phone Number (Last 4 Digits)" in airbnb-1.0.ics
ALL_LOCKS = ["demo_demo:front_door", "demo_demo:garden_gate", "demo_demo:cabin"]


async def _start(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    options: dict[str, Any],
    locks: list[str] = ALL_LOCKS,
) -> list[Any]:
    issued = async_capture_events(hass, "lockbooking_code_issued")
    aioclient_mock.get(FEED_URL, text=feed())
    entry = MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_same_code",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": locks,
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options=options,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return issued


async def _codes(hass: HomeAssistant) -> dict[str, dict[str, Any]]:
    """The first stay's codes by lock, with their digits (from get_codes)."""
    response = await hass.services.async_call(
        "lockbooking",
        "get_codes",
        {"uid": FIRST_UID},
        blocking=True,
        return_response=True,
    )
    return {code["lock"]: code for code in response["codes"]}


async def test_one_code_on_every_lock_that_takes_a_chosen_code(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    [event] = await _start(hass, aioclient_mock, {"same_code": True})
    assert all("code" not in code for code in event.data["codes"])
    codes = await _codes(hass)

    # The Nuki-like keypad's 6 digits of 1-9 are a code the UniFi-like gate takes too.
    front, gate, cabin = codes["Front door"], codes["Garden gate"], codes["Cabin"]
    assert front["status"] == gate["status"] == "issued"
    assert front["code"] == gate["code"]
    assert len(front["code"]) == 6
    assert "0" not in front["code"]
    assert not front["code"].startswith("12")
    assert NOTE_SAME_CODE_USED in front["notes"]
    assert NOTE_SAME_CODE_USED in gate["notes"]
    # An algoPIN is computed by the padlock: it is the one that differs, and says so.
    assert cabin["kind"] == "algopin_hourly"
    assert cabin["code"] != front["code"]
    assert NOTE_SAME_CODE_OWN in cabin["notes"]
    assert NOTE_SAME_CODE_USED not in cabin["notes"]


async def test_off_by_default(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    await _start(hass, aioclient_mock, {})
    codes = await _codes(hass)

    assert codes["Front door"]["code"] != codes["Garden gate"]["code"]
    notes = {note for code in codes.values() for note in code["notes"]}
    assert not {NOTE_SAME_CODE_USED, NOTE_SAME_CODE_OWN} & notes


async def test_a_later_lock_gets_the_code_the_stay_already_has(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A retry gives the gate the front door's code: a guest's code never changes."""
    original = DemoVendor.async_issue_code

    async def gate_down(
        self: DemoVendor, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        if lock.id == "garden_gate":
            raise VendorUnavailableError("down", unprocessed=True)
        return await original(self, lock, plan, name, code)

    with patch.object(DemoVendor, "async_issue_code", gate_down):
        await _start(hass, aioclient_mock, {"same_code": True})
        before = await _codes(hass)
    assert before["Garden gate"]["status"] == "failed"
    held = before["Front door"]["code"]
    assert held is not None

    freezer.tick(timedelta(minutes=20))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    after = await _codes(hass)

    assert after["Garden gate"]["status"] == "issued"
    assert after["Garden gate"]["code"] == after["Front door"]["code"] == held
    assert after["Cabin"]["code"] == before["Cabin"]["code"]


@pytest.mark.usefixtures("four_digit_gate")
async def test_phone_digits_are_the_common_code_when_every_lock_takes_them(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    await _start(
        hass,
        aioclient_mock,
        {"same_code": True, "code_choice": "phone_digits"},
        ["demo_demo:garden_gate", "demo_demo:cabin"],
    )
    codes = await _codes(hass)

    assert codes["Garden gate"]["code"] == PHONE
    assert NOTE_SAME_CODE_USED in codes["Garden gate"]["notes"]
    assert NOTE_PREFERRED_USED not in codes["Garden gate"]["notes"]
    assert NOTE_SAME_CODE_OWN in codes["Cabin"]["notes"]


@pytest.mark.usefixtures("four_digit_gate")
async def test_phone_digits_that_one_lock_refuses_give_a_random_common_code(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """The gate takes 4 digits, the front door 6: one 6-digit code for both."""
    await _start(
        hass, aioclient_mock, {"same_code": True, "code_choice": "phone_digits"}
    )
    codes = await _codes(hass)

    assert codes["Front door"]["code"] == codes["Garden gate"]["code"] != PHONE
    assert len(codes["Garden gate"]["code"]) == 6


async def test_a_lock_that_refuses_the_common_code_gets_a_random_one(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """A UniFi site's PIN length is only known to its controller: it may refuse."""
    original = DemoVendor.async_issue_code

    async def gate_refuses(
        self: DemoVendor, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        if lock.id == "garden_gate" and code is not None:
            raise VendorRejectedError("The PIN length of this site is 8.")
        return await original(self, lock, plan, name, code)

    with patch.object(DemoVendor, "async_issue_code", gate_refuses):
        await _start(hass, aioclient_mock, {"same_code": True})
    codes = await _codes(hass)

    gate = codes["Garden gate"]
    assert gate["status"] == "issued"
    assert gate["code"] != codes["Front door"]["code"]
    assert NOTE_SAME_CODE_REFUSED in gate["notes"]
    assert NOTE_SAME_CODE_USED not in gate["notes"]


async def test_a_single_lock_needs_no_common_code(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    await _start(hass, aioclient_mock, {"same_code": True}, ["demo_demo:front_door"])
    codes = await _codes(hass)

    assert codes["Front door"]["status"] == "issued"
    assert NOTE_SAME_CODE_USED not in codes["Front door"]["notes"]


async def test_locks_that_share_no_code_keep_their_own(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """A 4-digit gate and a 6-digit keypad: no code fits both, each gets its own."""
    four = replace(demo.VISITOR_PIN_RULES, lengths=(4,))
    with patch.object(demo, "VISITOR_PIN_RULES", four):
        await init_demo.runtime_data.coordinator.async_refresh()
        await _start(hass, aioclient_mock, {"same_code": True})
    codes = await _codes(hass)

    assert len(codes["Garden gate"]["code"]) == 4
    assert len(codes["Front door"]["code"]) == 6
    notes = {note for code in codes.values() for note in code["notes"]}
    assert not {NOTE_SAME_CODE_USED, NOTE_SAME_CODE_OWN} & notes
