"""A create that timed out may still have worked: the code is looked for before it is sent again."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.lockbooking.code_record import CodeStatus
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .test_vendor_faults import (  # noqa: F401
    NUKI,
    NUKI_AUTHS,
    NUKI_FRONT,
    calls,
    device,
    fixture,
    issue,
    records,
    serve,
    set_up,
    waits,
)


def nuki_accepting_then_timing_out(mock: AiohttpClientMocker) -> list[dict[str, Any]]:
    """Nuki Web that creates the keypad code but whose answer never arrives."""
    accepted: list[dict[str, Any]] = []

    async def create(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        accepted.append({**data, "id": f"auth-{len(accepted)}", "smartlockId": 1})
        return AiohttpClientMockResponse(method, url, exc=TimeoutError())

    async def listing(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        return AiohttpClientMockResponse(
            method, url, json=[*fixture("nuki/auths.json"), *accepted]
        )

    mock.get(NUKI_AUTHS, side_effect=listing)
    mock.put(NUKI_AUTHS, side_effect=create)
    return accepted


async def test_a_timed_out_keypad_code_is_found_not_sent_twice(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    await set_up(hass, aioclient_mock, NUKI)
    serve(aioclient_mock, NUKI)
    accepted = nuki_accepting_then_timing_out(aioclient_mock)
    lock = device(hass, NUKI.unique_id, NUKI_FRONT)

    with pytest.raises(HomeAssistantError):
        await issue(hass, lock)
    [record] = records(hass, "stay-1")
    assert (record.status, record.uncertain) == (CodeStatus.FAILED, True)

    response = await issue(hass, lock)  # automatic mode's retry takes the same path

    [code] = response["codes"]
    assert code["status"] == "issued"
    assert code["code"] == str(accepted[0]["code"])
    assert len(calls(aioclient_mock, "PUT", NUKI_AUTHS)) == 1
    [record] = records(hass, "stay-1")
    assert (record.vendor_id, record.uncertain) == ("auth-0", False)
