"""Locks in Home Assistant: Schlage codes, issued and revoked by name with their window."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from custom_components.lockbooking.models import (
    CodeKind,
    IssuedCode,
    Lock,
    PlannedCode,
    SlotRange,
    Window,
)
from custom_components.lockbooking.vendors.base import (
    FoundCode,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.home_assistant.vendor import (
    HomeAssistantLocksVendor,
    schlage_code_name,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ...ha_locks import FakeKeypads, stub_integrations
from .conftest import account, lock_named

CODE_SECRET = "482915"
WINDOW = Window(
    datetime.fromisoformat("2026-08-24T14:00:00+00:00"),
    datetime.fromisoformat("2026-08-27T09:00:00+00:00"),
)
GARAGE = "lock.garage"


def _plan(lock: Lock, window: Window = WINDOW) -> PlannedCode:
    return PlannedCode(
        CodeKind.KEYPAD,
        window,
        lock.code_rules[0],
        notes=("a note",),
        taken=frozenset(),
    )


async def test_code_name(vienna: None) -> None:
    assert (
        schlage_code_name("  Jane   Doe ", WINDOW) == "Jane Doe 08/24 16:00-08/27 11:00"
    )
    assert schlage_code_name("", WINDOW).startswith("LockBooking 08/24")
    assert len(schlage_code_name("x" * 100, WINDOW)) == 32 + 24


async def test_issue_find_and_revoke(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, GARAGE)
    issued = await vendor.async_issue_code(lock, _plan(lock), "Jane Doe", None)
    name = "Jane Doe 08/24 16:00-08/27 11:00"
    assert issued == IssuedCode(
        lock.id,
        CodeKind.KEYPAD,
        issued.code,
        WINDOW,
        vendor_id=name,
        notes=("a note",),
    )
    assert len(issued.code) == 6
    assert issued.code.isdigit()
    ((domain, action, data),) = keypads.calls
    assert (domain, action) == ("schlage", "add_code")
    assert data == {
        "entity_id": GARAGE,
        "name": name,
        "code": issued.code,
        "notify_on_use": False,
        "start_datetime": WINDOW.start,
        "end_datetime": WINDOW.end,
    }
    # Sent on Home Assistant's clock, aware.
    assert data["start_datetime"].utcoffset() == timedelta(hours=2)
    assert set(keypads.names[GARAGE]) == {name}

    found = await vendor.async_find_codes(lock, "Jane Doe", WINDOW, CodeKind.KEYPAD)
    assert found == [FoundCode(vendor_id=name, code=issued.code)]
    later = Window(WINDOW.start + timedelta(days=7), WINDOW.end + timedelta(days=7))
    assert await vendor.async_find_codes(lock, "Jane Doe", later, CodeKind.KEYPAD) == []

    await vendor.async_revoke_code(lock, issued)
    assert keypads.calls[-1] == (
        "schlage",
        "delete_code",
        {"name": name, "entity_id": GARAGE},
    )
    assert keypads.names[GARAGE] == {}


async def test_issue_chosen_code(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, GARAGE)
    issued = await vendor.async_issue_code(lock, _plan(lock), "Jane", CODE_SECRET)
    assert issued.code == CODE_SECRET
    assert keypads.names[GARAGE][issued.vendor_id]["code"] == CODE_SECRET  # type: ignore[index]
    # The same stay again: Schlage refuses a second code of the name.
    with pytest.raises(VendorRejectedError, match="exists"):
        await vendor.async_issue_code(lock, _plan(lock), "Jane", "123456")


async def test_code_that_breaks_the_rules_refused(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, GARAGE)
    with pytest.raises(VendorRejectedError, match="code_length"):
        await vendor.async_issue_code(lock, _plan(lock), "Jane", "1234")
    assert keypads.calls == []


async def test_unreachable_schlage(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, GARAGE)
    keypads.unreachable.add(GARAGE)
    with pytest.raises(VendorUnavailableError) as err:
        await vendor.async_issue_code(lock, _plan(lock), "Jane", None)
    # The outcome is unknown: trying again sends the same digits.
    assert err.value.sent_code == keypads.writes("add_code")[0]["code"]
    assert err.value.sent_code not in str(err.value)
    with pytest.raises(VendorUnavailableError) as err:
        await vendor.async_issue_code(lock, _plan(lock), "Jane", CODE_SECRET)
    assert err.value.sent_code is None
    with pytest.raises(VendorUnavailableError):
        await vendor.async_find_codes(lock, "Jane", WINDOW, CodeKind.KEYPAD)


async def test_schlage_without_actions(
    hass: HomeAssistant, ha_locks: dict[str, er.RegistryEntry]
) -> None:
    stub_integrations(hass, schlage=False)
    vendor = HomeAssistantLocksVendor(hass, account(ha_locks["schlage"]))
    (lock,) = await vendor.async_get_locks()
    assert not lock.status.online
    with pytest.raises(VendorUnavailableError, match=r"no action schlage\.add_code"):
        await vendor.async_issue_code(lock, _plan(lock), "Jane", None)


async def test_slots_and_codes_kept_apart(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    garage = await lock_named(vendor, GARAGE)
    front = await lock_named(vendor, "lock.front_door")
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_write_slot(garage, 10, CODE_SECRET)
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_revoke_code(
            front, IssuedCode(front.id, CodeKind.KEYPAD, CODE_SECRET, WINDOW, "x")
        )
    assert await vendor.async_find_codes(front, "Jane", WINDOW, CodeKind.KEYPAD) is None
    assert keypads.calls == []


async def test_revoke_needs_the_name(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, GARAGE)
    with pytest.raises(VendorRejectedError, match="no Schlage name"):
        await vendor.async_revoke_code(
            lock, IssuedCode(lock.id, CodeKind.KEYPAD, CODE_SECRET, WINDOW)
        )
    assert keypads.calls == []


async def test_schlage_lock_given_slots_refuses_them(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    # A Lock from elsewhere claiming slots: the integration decides, not the claim.
    lock = replace(await lock_named(vendor, GARAGE), slots=SlotRange(10, 10))
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_clear_slot(lock, 10)
    assert keypads.calls == []
