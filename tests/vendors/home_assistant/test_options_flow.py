"""The options flow of a "Locks in Home Assistant" account: its locks and their slots."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.lockbooking.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er

from ...ha_locks import add_ha_lock, stub_integrations

DEFAULTS = {"first_slot": 10, "slot_count": 10, "code_length": 6}
CUSTOM = {"first_slot": 30, "slot_count": 5, "code_length": 4}


@pytest.fixture(autouse=True)
def no_setup() -> Generator[AsyncMock]:
    """Set entries up and reload them without the vendor (not this test's subject)."""
    with (
        patch(
            "custom_components.lockbooking.async_setup_entry", return_value=True
        ) as setup,
        patch("custom_components.lockbooking.async_unload_entry", return_value=True),
    ):
        yield setup


async def _account(
    hass: HomeAssistant, locks: dict[str, dict[str, int]]
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Locks in Home Assistant",
        data={"kind": "home_assistant"},
        options={"locks": locks},
        unique_id="home_assistant",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _field(result: Any, name: str) -> vol.Marker:
    return next(key for key in result["data_schema"].schema if key == name)


async def _pick(hass: HomeAssistant, entry: MockConfigEntry, locks: list[str]) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "locks"
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"locks": locks}
    )


async def test_the_form_shows_the_current_locks_after_a_rename(
    hass: HomeAssistant,
) -> None:
    stub_integrations(hass)
    door = add_ha_lock(hass, "zwave_js", "front_door")
    gone = "0123456789abcdef0123456789abcdef"
    entry = await _account(hass, {door.id: CUSTOM, gone: DEFAULTS})
    er.async_get(hass).async_update_entity(
        door.entity_id, new_entity_id="lock.entrance"
    )
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert _field(result, "locks").description == {"suggested_value": ["lock.entrance"]}


async def test_add_a_lock_and_change_another(
    hass: HomeAssistant, no_setup: AsyncMock
) -> None:
    stub_integrations(hass)
    front = add_ha_lock(hass, "zwave_js", "front_door")
    back = add_ha_lock(hass, "zha", "back_door", name="Back door")
    entry = await _account(hass, {front.id: CUSTOM})
    result = await _pick(hass, entry, [front.entity_id, back.entity_id])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "lock"
    assert result["description_placeholders"]["lock"] == "Front Door"
    assert _field(result, "first_slot").default() == 30
    assert _field(result, "code_length").default() == 4
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"slot_count": 8}
    )
    assert result["step_id"] == "lock"
    assert result["description_placeholders"]["lock"] == "Back door"
    assert result["description_placeholders"]["integration"] == "zha"
    assert _field(result, "first_slot").default() == 10
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {
        "locks": {front.id: {**CUSTOM, "slot_count": 8}, back.id: DEFAULTS}
    }
    # Set up once, then again by the reload the changed options bring.
    assert no_setup.call_count == 2


async def test_remove_a_lock(hass: HomeAssistant) -> None:
    stub_integrations(hass)
    front = add_ha_lock(hass, "zwave_js", "front_door")
    back = add_ha_lock(hass, "zha", "back_door")
    entry = await _account(hass, {front.id: DEFAULTS, back.id: CUSTOM})
    result = await _pick(hass, entry, [back.entity_id])
    assert result["step_id"] == "lock"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"locks": {back.id: CUSTOM}}


@pytest.mark.parametrize(
    ("platform", "locks", "error"),
    [
        ("august", "one", "unsupported_lock"),
        ("zwave_js", "none", "no_lock_entities"),
        ("zwave_js", "twice", "duplicate_lock"),
        ("schlage", "one", "lock_actions_missing"),
    ],
)
async def test_lock_choice_errors(
    hass: HomeAssistant, platform: str, locks: str, error: str
) -> None:
    stub_integrations(hass, schlage=False)
    door = add_ha_lock(hass, platform, "front_door")
    entry = await _account(hass, {})
    chosen = {
        "one": [door.entity_id],
        "none": [],
        "twice": [door.entity_id, door.id],
    }[locks]
    result = await _pick(hass, entry, chosen)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "locks"
    assert result["errors"] == {"locks": error}
    assert entry.options == {"locks": {}}


async def test_lock_settings_errors(hass: HomeAssistant) -> None:
    stub_integrations(hass)
    door = add_ha_lock(hass, "schlage", "front_door")
    entry = await _account(hass, {door.id: DEFAULTS})
    result = await _pick(hass, entry, [door.entity_id])
    flow_id = result["flow_id"]
    result = await hass.config_entries.options.async_configure(
        flow_id, {"code_length": 10}
    )
    assert result["errors"] == {"code_length": "schlage_code_length"}
    result = await hass.config_entries.options.async_configure(
        flow_id, {"first_slot": 65534, "slot_count": 2}
    )
    assert result["errors"] == {"slot_count": "slots_out_of_range"}
    result = await hass.config_entries.options.async_configure(
        flow_id, {"first_slot": 65534, "slot_count": 1, "code_length": 8}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "locks": {door.id: {"first_slot": 65534, "slot_count": 1, "code_length": 8}}
    }


async def test_reservations_entries_keep_their_options_flow(
    hass: HomeAssistant,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, data={"kind": "reservations"}, options={}, unique_id="r"
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    assert "auto_issue" in result["data_schema"].schema
