"""The vendor-neutral window update: off, and not implemented, unless a vendor has it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.lockbooking.models import (
    CodeKind,
    CodeRules,
    IssuedCode,
    PlannedCode,
    Window,
)
from custom_components.lockbooking.vendors.base import LockVendor
from custom_components.lockbooking.vendors.igloohome.vendor import IgloohomeVendor
from custom_components.lockbooking.vendors.nuki_ble.vendor import NukiBleVendor


@pytest.mark.parametrize("vendor", [IgloohomeVendor, NukiBleVendor])
def test_vendors_without_it_say_so(vendor: type[LockVendor]) -> None:
    assert vendor.updates_window_in_place is False


async def test_default_is_not_implemented() -> None:
    window = Window(
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
    )
    issued = IssuedCode("lock", CodeKind.KEYPAD, "456789", window)
    plan = PlannedCode(CodeKind.KEYPAD, window, CodeRules(CodeKind.KEYPAD, (6,)))
    with pytest.raises(NotImplementedError):
        await LockVendor.async_update_code_window(None, None, issued, plan)  # type: ignore[arg-type]
