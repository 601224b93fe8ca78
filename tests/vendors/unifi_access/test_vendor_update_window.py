"""UniFi Access visitor PINs keep their digits when their window moves (issue 20, build 5).

The visitor is updated in place (`PUT /visitors/{id}` with the new Unix times): its PIN
and doors are left as they are, so the guest's code does not change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.lockbooking.models import CodeKind, IssuedCode, Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from homeassistant.core import HomeAssistant

from .conftest import (
    BERLIN,
    VISITOR_ID,
    VISITOR_URL,
    calls,
    envelope,
    fixture,
    lock_of,
    vendor_of,
)

START = datetime(2026, 7, 15, 15, 0, tzinfo=BERLIN)
END = datetime(2026, 7, 18, 11, 0, tzinfo=BERLIN)


def _issued() -> IssuedCode:
    return IssuedCode(
        "0ed545f8-2fcd-4839-9021-b39e707f6aa9",
        CodeKind.VISITOR_PIN,
        "67203419",
        Window(START, END),
        VISITOR_ID,
    )


async def test_visitor_window_moves_in_place(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.put(VISITOR_URL, json=fixture("visitor.json"))
    lock = lock_of(init_entry)
    plan = plan_code(lock.code_rules, Window(START, END + timedelta(days=2)), BERLIN)
    vendor = vendor_of(init_entry)
    assert vendor.updates_window_in_place

    moved = await vendor.async_update_code_window(lock, _issued(), plan)

    assert moved == replace(_issued(), window=plan.window, notes=plan.notes)
    assert calls(aioclient_mock)[-1] == (
        "PUT",
        VISITOR_URL,
        {
            "start_time": int(START.timestamp()),
            "end_time": int((END + timedelta(days=2)).timestamp()),
        },
    )
    # Nothing else: no new visitor, no new PIN.
    assert [method for method, _, _ in calls(aioclient_mock)] == ["PUT"]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"json": envelope("CODE_RESOURCE_NOT_FOUND")}, VendorRejectedError),
        ({"json": envelope("CODE_DEVICE_DEVICE_OFFLINE")}, VendorUnavailableError),
    ],
)
async def test_visitor_window_move_errors(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, object],
    error: type[Exception],
) -> None:
    aioclient_mock.put(VISITOR_URL, **answer)
    lock = lock_of(init_entry)
    plan = plan_code(lock.code_rules, Window(START, END), BERLIN)
    with pytest.raises(error) as err:
        await vendor_of(init_entry).async_update_code_window(lock, _issued(), plan)
    assert "67203419" not in str(err.value)


async def test_code_without_visitor_cannot_move(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    lock = lock_of(init_entry)
    plan = plan_code(lock.code_rules, Window(START, END), BERLIN)
    with pytest.raises(VendorUnsupportedError):
        await vendor_of(init_entry).async_update_code_window(
            lock, replace(_issued(), vendor_id=None), plan
        )
    assert calls(aioclient_mock) == []
