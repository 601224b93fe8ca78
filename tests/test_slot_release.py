"""Codes leave a slot lock's slots before the lock (or the slots) leave lockbooking."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.ledger import LEDGER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir

from .ha_locks import FakeKeypads, add_ha_lock, ha_account_entry

pytestmark = pytest.mark.usefixtures("vienna")
STAY = {"start": "2026-12-01T16:00:00+01:00", "end": "2026-12-05T11:00:00+01:00"}
MID_STAY = "2026-12-03T12:00:00+01:00"


@pytest.fixture
async def account(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """A Z-Wave front door and a ZHA back door, each holding a written stay's code."""
    freezer.move_to(MID_STAY)
    locks = [
        add_ha_lock(hass, "zwave_js", "front_door"),
        add_ha_lock(hass, "zha", "back_door"),
    ]
    entry = ha_account_entry(locks)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for entity_id in ("lock.front_door", "lock.back_door"):
        await hass.services.async_call(
            DOMAIN,
            "issue_code",
            {"entity_id": entity_id, **STAY, "uid": "stay-1", "name": "Anna"},
            blocking=True,
            return_response=True,
        )
    assert keypads.held("lock.front_door")
    assert keypads.held("lock.back_door")
    return entry


async def _options(
    hass: HomeAssistant, entry: MockConfigEntry, locks: list[str], **settings: Any
) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    if result["step_id"] != "locks":
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {}
        )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"locks": locks}
    )
    while result["type"] is FlowResultType.FORM and result["step_id"] == "lock":
        previous = result
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {"first_slot": 10, "slot_count": 10, "code_length": 6, **settings},
        )
        if result == previous or result.get("errors"):
            break
    await hass.async_block_till_done()
    return result


async def test_a_lock_taken_out_of_the_account_is_cleared_first(
    hass: HomeAssistant, account: MockConfigEntry, keypads: FakeKeypads
) -> None:
    result = await _options(hass, account, ["lock.front_door"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert keypads.held("lock.back_door") == {}
    assert keypads.held("lock.front_door")
    back_door = er.async_get(hass).async_get("lock.back_door").id
    statuses = {
        r.lock_key.endswith(back_door): r.status for r in hass.data[LEDGER].records()
    }
    assert statuses == {True: CodeStatus.REVOKED, False: CodeStatus.ISSUED}


async def test_a_lock_that_cannot_clear_keeps_its_place(
    hass: HomeAssistant, account: MockConfigEntry, keypads: FakeKeypads
) -> None:
    keypads.unreachable.add("lock.back_door")
    result = await _options(hass, account, ["lock.front_door"])
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "codes_not_released"}
    assert len(account.options["locks"]) == 2
    assert keypads.held("lock.back_door")


async def test_moved_slots_clear_the_old_and_write_the_new(
    hass: HomeAssistant,
    account: MockConfigEntry,
    keypads: FakeKeypads,
    freezer: FrozenDateTimeFactory,
) -> None:
    [code] = {*keypads.held("lock.front_door").values()}
    result = await _options(
        hass,
        account,
        ["lock.front_door", "lock.back_door"],
        first_slot=30,
        slot_count=5,
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    freezer.tick(60)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert keypads.held("lock.front_door") == {30: code}


async def test_a_removed_account_clears_its_codes(
    hass: HomeAssistant, account: MockConfigEntry, keypads: FakeKeypads
) -> None:
    keypads.unreachable.add("lock.back_door")
    await hass.config_entries.async_remove(account.entry_id)
    await hass.async_block_till_done()
    assert keypads.held("lock.front_door") == {}
    assert keypads.held("lock.back_door")
    back = er.async_get(hass).async_get("lock.back_door")
    assert (DOMAIN, f"slot_code_not_cleared_home_assistant_{back.id}") in ir.async_get(
        hass
    ).issues


async def test_an_unloaded_account_keeps_a_lock_that_holds_codes(
    hass: HomeAssistant, account: MockConfigEntry, keypads: FakeKeypads
) -> None:
    await hass.config_entries.async_unload(account.entry_id)
    result = await _options(hass, account, ["lock.front_door"])
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "codes_not_released"}
    assert len(account.options["locks"]) == 2
    # Slots that still hold the codes may stay as they are.
    result = await _options(hass, account, ["lock.front_door", "lock.back_door"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
