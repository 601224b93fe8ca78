"""Locks in Home Assistant: the locks listed, slots written, cleared and read back."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.lockbooking.models import (
    Capabilities,
    CodeKind,
    CodeRules,
    Lock,
    LockStatus,
    SlotRange,
)
from custom_components.lockbooking.vendors.base import (
    AccountIdentity,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.home_assistant.vendor import (
    HomeAssistantLocksVendor,
)
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ...ha_locks import FakeKeypads, add_ha_lock, stub_integrations
from .conftest import account, lock_named

# Named so the autouse log check fails a test that logs them.
CODE_SECRET = "482915"
OTHER_SECRET = "731064"
KEYPAD_SIX = CodeRules(kind=CodeKind.KEYPAD, lengths=(6,), chosen_code=True)


def _lock(entry: er.RegistryEntry, name: str, integration: str, **kw: Any) -> Lock:
    return Lock(
        id=entry.id,
        name=name,
        manufacturer="Acme",
        model=f"{integration} keypad",
        capabilities=Capabilities(),
        code_rules=(KEYPAD_SIX,),
        entity_id=entry.entity_id,
        **{"slots": SlotRange(10, 10), "status": LockStatus(online=True), **kw},
    )


async def test_identify(vendor: HomeAssistantLocksVendor) -> None:
    assert await vendor.async_identify() == AccountIdentity(
        "home_assistant", "Locks in Home Assistant"
    )


async def test_locks_listed(
    vendor: HomeAssistantLocksVendor,
    ha_locks: dict[str, er.RegistryEntry],
    keypads: FakeKeypads,
) -> None:
    assert await vendor.async_get_locks() == [
        _lock(ha_locks["zwave_js"], "Front Door", "zwave_js"),
        _lock(ha_locks["zha"], "Back Door", "zha"),
        _lock(ha_locks["matter"], "Side Door", "matter"),
        _lock(ha_locks["schlage"], "Garage", "schlage", slots=None),
    ]


async def test_schlage_code_length_clamped(
    hass: HomeAssistant, ha_locks: dict[str, er.RegistryEntry], keypads: FakeKeypads
) -> None:
    for length, allowed in ((10, 8), (3, 4), (5, 5)):
        vendor = HomeAssistantLocksVendor(
            hass, account(ha_locks["schlage"], ha_locks["zha"], code_length=length)
        )
        schlage, zha = await vendor.async_get_locks()
        assert schlage.code_rules[0].lengths == (allowed,)
        assert zha.code_rules[0].lengths == (length,)


async def test_locks_offline_keep_their_rules(
    hass: HomeAssistant, ha_locks: dict[str, er.RegistryEntry]
) -> None:
    # Matter and Schlage actions absent, as on 2025.12.
    stub_integrations(hass, matter=False, schlage=False)
    demo = add_ha_lock(hass, "demo", "shed")
    gone = add_ha_lock(hass, "zha", "cellar")
    er.async_get(hass).async_remove(gone.entity_id)
    hass.states.async_set(ha_locks["zha"].entity_id, STATE_UNAVAILABLE)
    hass.states.async_remove(ha_locks["zwave_js"].entity_id)
    vendor = HomeAssistantLocksVendor(hass, account(*ha_locks.values(), demo, gone))
    locks = {lock.id: lock for lock in await vendor.async_get_locks()}
    offline = LockStatus(online=False)
    assert locks[ha_locks["zwave_js"].id] == _lock(
        ha_locks["zwave_js"], ha_locks["zwave_js"].entity_id, "zwave_js", status=offline
    )
    assert locks[ha_locks["zha"].id].status == offline
    assert locks[ha_locks["matter"].id] == _lock(
        ha_locks["matter"], "Side Door", "matter", status=offline
    )
    assert locks[ha_locks["schlage"].id] == _lock(
        ha_locks["schlage"], "Garage", "schlage", status=offline, slots=None
    )
    assert locks[demo.id] == _lock(demo, "Shed", "demo", status=offline)
    assert locks[gone.id] == Lock(
        id=gone.id,
        name=gone.id,
        manufacturer="Home Assistant",
        model="Lock entity (removed)",
        capabilities=Capabilities(),
        code_rules=(KEYPAD_SIX,),
        status=offline,
        slots=SlotRange(10, 10),
    )
    with pytest.raises(VendorUnavailableError):
        await vendor.async_write_slot(locks[gone.id], 10, CODE_SECRET)
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_write_slot(locks[demo.id], 10, CODE_SECRET)
    with pytest.raises(VendorUnavailableError, match="no action matter"):
        await vendor.async_write_slot(locks[ha_locks["matter"].id], 10, CODE_SECRET)


async def test_lock_with_unusable_settings_left_out(
    hass: HomeAssistant, ha_locks: dict[str, er.RegistryEntry], keypads: FakeKeypads
) -> None:
    data = account(ha_locks["zha"], ha_locks["matter"])
    data["locks"][ha_locks["zha"].id]["first_slot"] = 0
    vendor = HomeAssistantLocksVendor(hass, data)
    assert [lock.id for lock in await vendor.async_get_locks()] == [
        ha_locks["matter"].id
    ]


@pytest.mark.parametrize(
    ("integration", "written", "cleared"),
    [
        (
            "zwave_js",
            ("set_lock_usercode", {"code_slot": 12, "usercode": CODE_SECRET}),
            ("clear_lock_usercode", {"code_slot": 12}),
        ),
        (
            "zha",
            ("set_lock_user_code", {"code_slot": 12, "user_code": CODE_SECRET}),
            ("clear_lock_user_code", {"code_slot": 12}),
        ),
        (
            "matter",
            (
                "set_lock_credential",
                {
                    "credential_type": "pin",
                    "credential_data": CODE_SECRET,
                    "credential_index": 12,
                },
            ),
            (
                "clear_lock_credential",
                {"credential_type": "pin", "credential_index": 12},
            ),
        ),
    ],
)
async def test_write_and_clear(
    vendor: HomeAssistantLocksVendor,
    keypads: FakeKeypads,
    integration: str,
    written: tuple[str, dict[str, Any]],
    cleared: tuple[str, dict[str, Any]],
) -> None:
    entity_id = f"lock.{ {'zwave_js': 'front_door', 'zha': 'back_door', 'matter': 'side_door'}[integration] }"
    lock = await lock_named(vendor, entity_id)
    keypads.slots[entity_id] = {1: "000000"}
    await vendor.async_write_slot(lock, 12, CODE_SECRET)
    assert keypads.calls == [
        (integration, written[0], {**written[1], "entity_id": entity_id})
    ]
    assert keypads.held(entity_id) == {1: "000000", 12: CODE_SECRET}
    await vendor.async_clear_slot(lock, 12)
    assert keypads.calls[1:] == [
        (integration, cleared[0], {**cleared[1], "entity_id": entity_id})
    ]
    assert keypads.held(entity_id) == {1: "000000"}


@pytest.mark.parametrize("entity_id", ["lock.front_door", "lock.side_door"])
async def test_read_back(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads, entity_id: str
) -> None:
    lock = await lock_named(vendor, entity_id)
    assert await vendor.async_slot_holds(lock, 13, None) is True
    assert await vendor.async_slot_holds(lock, 13, CODE_SECRET) is False
    await vendor.async_write_slot(lock, 13, CODE_SECRET)
    assert await vendor.async_slot_holds(lock, 13, CODE_SECRET) is True
    assert await vendor.async_slot_holds(lock, 13, None) is False
    # Matter cannot read a PIN: it only knows a credential is there.
    other = await vendor.async_slot_holds(lock, 13, OTHER_SECRET)
    assert other is (entity_id == "lock.side_door")
    keypads.ignoring.add(entity_id)
    await vendor.async_clear_slot(lock, 13)
    assert await vendor.async_slot_holds(lock, 13, None) is False


async def test_zwave_js_read_back_needs_2026(
    hass: HomeAssistant, ha_locks: dict[str, er.RegistryEntry]
) -> None:
    keypads = stub_integrations(hass, read=False)
    vendor = HomeAssistantLocksVendor(hass, account(ha_locks["zwave_js"]))
    (lock,) = await vendor.async_get_locks()
    await vendor.async_write_slot(lock, 10, CODE_SECRET)
    assert await vendor.async_slot_holds(lock, 10, CODE_SECRET) is None
    assert [name for _, name, _ in keypads.calls] == ["set_lock_usercode"]


async def test_zha_cannot_be_read_back(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, "lock.back_door")
    await vendor.async_write_slot(lock, 10, CODE_SECRET)
    assert await vendor.async_slot_holds(lock, 10, CODE_SECRET) is None
    assert await vendor.async_slot_holds(lock, 10, None) is None


@pytest.mark.parametrize("slot", [0, 9, 20, 65534])
async def test_slot_outside_the_range_refused(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads, slot: int
) -> None:
    for lock in await vendor.async_get_locks():
        if lock.slots is None:
            continue
        with pytest.raises(VendorRejectedError, match="not one lockbooking manages"):
            await vendor.async_write_slot(lock, slot, CODE_SECRET)
        with pytest.raises(VendorRejectedError):
            await vendor.async_clear_slot(lock, slot)
        with pytest.raises(VendorRejectedError):
            await vendor.async_slot_holds(lock, slot, None)
    assert keypads.calls == []


async def test_matter_clear_all_index_never_sent(
    hass: HomeAssistant, ha_locks: dict[str, er.RegistryEntry], keypads: FakeKeypads
) -> None:
    vendor = HomeAssistantLocksVendor(
        hass, account(ha_locks["matter"], first_slot=65530, slot_count=10)
    )
    (lock,) = await vendor.async_get_locks()
    await vendor.async_write_slot(lock, 65533, CODE_SECRET)
    with pytest.raises(VendorRejectedError, match="not a Matter credential index"):
        await vendor.async_clear_slot(lock, 65534)
    assert [data["credential_index"] for data in keypads.writes()] == [65533]


async def test_renamed_entity_followed(
    hass: HomeAssistant, vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, "lock.back_door")
    er.async_get(hass).async_update_entity(
        "lock.back_door", new_entity_id="lock.kitchen_door"
    )
    await vendor.async_write_slot(lock, 10, CODE_SECRET)
    assert keypads.held("lock.kitchen_door") == {10: CODE_SECRET}
    renamed = next(x for x in await vendor.async_get_locks() if x.id == lock.id)
    assert renamed.entity_id == "lock.kitchen_door"


async def test_slot_lock_takes_no_issued_code(
    vendor: HomeAssistantLocksVendor, keypads: FakeKeypads
) -> None:
    lock = await lock_named(vendor, "lock.front_door")
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_issue_code(lock, None, "Jane", None)  # type: ignore[arg-type]
    assert keypads.calls == []
