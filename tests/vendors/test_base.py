"""The lock layer's defaults: a vendor that cannot do something says so, typed."""

from __future__ import annotations

import pytest

from custom_components.lockbooking.models import (
    Capabilities,
    IssuedCode,
    Lock,
    PlannedCode,
)
from custom_components.lockbooking.vendors.base import (
    AccountIdentity,
    LockVendor,
    VendorUnsupportedError,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

LOCK = Lock(id="l", name="L", manufacturer="M", model="X", capabilities=Capabilities())


class ListOnlyVendor(LockVendor):
    manufacturer = "M"

    async def async_identify(self) -> AccountIdentity:
        return AccountIdentity("id", "title")

    async def async_get_locks(self) -> list[Lock]:
        return [LOCK]

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        raise NotImplementedError


@pytest.mark.parametrize("action", ["async_lock", "async_unlock", "async_open"])
async def test_actions_default_to_unsupported(hass: HomeAssistant, action: str) -> None:
    vendor = ListOnlyVendor(hass, {})
    with pytest.raises(VendorUnsupportedError) as err:
        await getattr(vendor, action)(LOCK)
    assert err.value.key == "vendor_unsupported"


async def test_revoke_defaults_to_unsupported(hass: HomeAssistant) -> None:
    vendor = ListOnlyVendor(hass, {})
    with pytest.raises(VendorUnsupportedError, match="revoke"):
        await vendor.async_revoke_code(LOCK, None)  # type: ignore[arg-type]


async def test_code_uses_default_to_unsupported(hass: HomeAssistant) -> None:
    vendor = ListOnlyVendor(hass, {})
    with pytest.raises(VendorUnsupportedError, match="code_uses"):
        await vendor.async_get_code_uses(LOCK, dt_util.utcnow())
