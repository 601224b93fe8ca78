"""Locks in Home Assistant: what goes wrong calling a lock, and answers read back."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

import pytest
import voluptuous as vol

from custom_components.lockbooking.vendors.base import (
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.home_assistant import calls, providers
from custom_components.lockbooking.vendors.home_assistant.vendor import (
    HomeAssistantLocksVendor,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er

from ...ha_locks import FakeKeypads
from .conftest import lock_named

# Named so the autouse log check fails a test that logs it.
CODE_SECRET = "482915"


@pytest.mark.parametrize(
    "entity_id", ["lock.front_door", "lock.back_door", "lock.side_door"]
)
async def test_unreachable_lock(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads, entity_id: str
) -> None:
    lock = await lock_named(vendor, entity_id)
    keypads.unreachable.add(entity_id)
    with pytest.raises(VendorUnavailableError, match="did not answer") as err:
        await vendor.async_write_slot(lock, 10, CODE_SECRET)
    assert CODE_SECRET not in str(err.value)
    with pytest.raises(VendorUnavailableError):
        await vendor.async_clear_slot(lock, 10)
    # A failed read trusts the write.
    assert await vendor.async_slot_holds(lock, 10, CODE_SECRET) is None
    assert keypads.held(entity_id) == {}


def _replace_action(
    hass: HomeAssistant, action: str, handler: Any, schema: dict[Any, Any]
) -> None:
    hass.services.async_register(
        "zwave_js", action, handler, cv.make_entity_service_schema(schema)
    )


async def test_refusals_rejected(
    hass: HomeAssistant, vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, "lock.front_door")

    async def refuse(call: ServiceCall) -> None:
        raise ServiceValidationError(f"Code {call.data['usercode']} is a duplicate")

    _replace_action(
        hass,
        "set_lock_usercode",
        refuse,
        {vol.Required("code_slot"): int, vol.Required("usercode"): cv.string},
    )
    with pytest.raises(VendorRejectedError, match="is a duplicate") as err:
        await vendor.async_write_slot(lock, 10, CODE_SECRET)
    assert CODE_SECRET not in str(err.value)
    _replace_action(
        hass,
        "set_lock_usercode",
        refuse,
        {vol.Required("code_slot"): int, vol.Required("usercode"): vol.Match(r"^\d+$")},
    )
    with pytest.raises(VendorRejectedError, match="refused the data"):
        await vendor.async_write_slot(lock, 10, "12ab")


async def test_slow_lock_times_out(
    hass: HomeAssistant, vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, "lock.front_door")

    async def sleep(call: ServiceCall) -> None:
        await asyncio.sleep(5)

    _replace_action(
        hass, "clear_lock_usercode", sleep, {vol.Required("code_slot"): int}
    )
    with (
        patch.object(calls, "CALL_TIMEOUT", 0.01),
        pytest.raises(VendorUnavailableError, match="did not answer"),
    ):
        await vendor.async_clear_slot(lock, 10)


@pytest.mark.parametrize(
    ("answer", "code", "holds"),
    [
        (None, None, None),
        ({"10": {"usercode": "", "in_use": None}}, None, None),
        ({"11": {"usercode": CODE_SECRET, "in_use": True}}, CODE_SECRET, None),
        ({"10": {"usercode": CODE_SECRET, "in_use": True}}, CODE_SECRET, True),
        ({"10": {"usercode": "", "in_use": False}}, None, True),
    ],
)
def test_zwave_js_answers_read(
    answer: Any, code: str | None, holds: bool | None
) -> None:
    assert providers._zwave_holds(answer, 10, code) is holds


@pytest.mark.parametrize(
    ("answer", "code", "holds"),
    [
        (None, CODE_SECRET, None),
        ({"credential_exists": None}, CODE_SECRET, None),
        ({"credential_exists": True}, CODE_SECRET, True),
        ({"credential_exists": False}, None, True),
    ],
)
def test_matter_answers_read(answer: Any, code: str | None, holds: bool | None) -> None:
    assert providers._matter_holds(answer, 10, code) is holds


async def test_removed_entity_cannot_be_read_back(
    hass: HomeAssistant, vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, "lock.front_door")
    er.async_get(hass).async_remove("lock.front_door")
    assert await vendor.async_slot_holds(lock, 10, None) is None
    with pytest.raises(VendorUnavailableError, match="no longer in Home Assistant"):
        await vendor.async_clear_slot(lock, 10)
    assert keypads.calls == []
