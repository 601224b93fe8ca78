"""Distinct stays never share an algoPIN on one igloohome lock (issue 20, build 7).

The same window and variance give the same PIN, so a second stay with the same window
on the lock asks for the next variance; the stay's own PIN stays the one it got.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.lockbooking.models import Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.base import VendorRejectedError
from custom_components.lockbooking.vendors.igloohome.api import API_URL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .conftest import BERLIN, PADLOCK, calls, lock_of, vendor_of

HOURLY_URL = f"{API_URL}/devices/{PADLOCK}/algopin/hourly"
STAY = {"start": "2026-12-01T15:00:00+01:00", "end": "2026-12-03T11:00:00+01:00"}


def _pin(variance: int) -> str:
    return f"80412365{variance}"


async def _by_variance(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
    """igloohome's answer: a PIN per window and variance, the same every time."""
    return AiohttpClientMockResponse(
        method,
        url,
        json={"pin": _pin(data["variance"]), "pinId": f"pin-{data['variance']}"},
    )


@pytest.fixture(autouse=True)
def before_the_stays(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-11-20T10:00:00+00:00")


async def _issue(hass: HomeAssistant, uid: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        "lockbooking",
        "issue_code",
        {"entity_id": "sensor.garden_padlock_battery", **STAY, "uid": uid},
        blocking=True,
        return_response=True,
    )
    [code] = response["codes"]
    return code


async def test_two_stays_same_window_get_different_pins(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(HOURLY_URL, side_effect=_by_variance)

    first = await _issue(hass, "stay-a")
    second = await _issue(hass, "stay-b")

    assert first["code"] == _pin(1)
    assert second["code"] == _pin(2)
    assert [
        body["variance"] for _, _, body, _ in calls(igloo_api, "post", HOURLY_URL)
    ] == [
        1,
        1,
        2,
    ]
    # The first stay asking again gets its own PIN, not a new one.
    assert (await _issue(hass, "stay-a"))["code"] == _pin(1)
    assert len(calls(igloo_api, "post", HOURLY_URL)) == 3


async def test_all_three_pins_taken_is_refused(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(HOURLY_URL, side_effect=_by_variance)
    codes = {(await _issue(hass, uid))["code"] for uid in ("a", "b", "c")}
    assert codes == {_pin(1), _pin(2), _pin(3)}
    with pytest.raises(HomeAssistantError) as err:
        await _issue(hass, "d")
    assert err.value.translation_key == "vendor_rejected"


async def test_vendor_skips_taken_pins(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(HOURLY_URL, side_effect=_by_variance)
    lock = lock_of(init_igloo, PADLOCK)
    window = Window(
        datetime(2026, 12, 1, 15, tzinfo=BERLIN),
        datetime(2026, 12, 3, 11, tzinfo=BERLIN),
    )
    plan = plan_code(lock.code_rules, window, BERLIN)
    vendor = vendor_of(init_igloo)
    issued = await vendor.async_issue_code(
        lock, replace(plan, taken=frozenset({_pin(1)})), "G", None
    )
    assert (issued.code, issued.vendor_id) == (_pin(2), "pin-2")
    taken = frozenset({_pin(1), _pin(2), _pin(3)})
    with pytest.raises(VendorRejectedError, match="three PINs"):
        await vendor.async_issue_code(lock, replace(plan, taken=taken), "G", None)
