"""The config flow of a "Locks in Home Assistant" account, through Home Assistant's flow manager."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.const import DOMAIN
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData

from ...ha_locks import add_ha_lock, stub_integrations

DEFAULTS = {"first_slot": 10, "slot_count": 10, "code_length": 6}


@pytest.fixture(autouse=True)
def no_setup() -> Generator[AsyncMock]:
    """Create entries without setting them up (the vendor is not this test's subject)."""
    with (
        patch(
            "custom_components.lockbooking.async_setup_entry", return_value=True
        ) as setup,
        patch("custom_components.lockbooking.async_unload_entry", return_value=True),
    ):
        yield setup


async def _form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "home_assistant" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "home_assistant"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "home_assistant"
    assert result["errors"] == {}
    return result["flow_id"]


async def _submit(hass: HomeAssistant, user_input: dict[str, Any]) -> Any:
    return await hass.config_entries.flow.async_configure(await _form(hass), user_input)


async def test_only_locks_creates_the_account_with_defaults(
    hass: HomeAssistant,
) -> None:
    stub_integrations(hass)
    front = add_ha_lock(hass, "zwave_js", "front_door")
    back = add_ha_lock(hass, "zha", "back_door")
    lock_entities = len(hass.states.async_entity_ids("lock"))
    result = await _submit(hass, {"locks": [front.entity_id, back.entity_id]})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Locks in Home Assistant"
    assert result["data"] == {"kind": "home_assistant"}
    assert result["options"] == {"locks": {front.id: DEFAULTS, back.id: DEFAULTS}}
    assert result["result"].unique_id == "home_assistant"
    await hass.async_block_till_done()
    assert len(hass.states.async_entity_ids("lock")) == lock_entities


async def test_settings_are_stored_under_the_registry_id(hass: HomeAssistant) -> None:
    stub_integrations(hass)
    front = add_ha_lock(hass, "matter", "front_door")
    result = await _submit(
        hass,
        {
            "locks": [front.entity_id],
            "first_slot": 20.0,
            "slot_count": 5,
            "code_length": 8,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    settings = result["options"]["locks"][front.id]
    assert settings == {"first_slot": 20, "slot_count": 5, "code_length": 8}
    assert all(type(value) is int for value in settings.values())
    assert front.entity_id not in result["options"]["locks"]


async def test_a_lock_of_another_integration_is_refused(hass: HomeAssistant) -> None:
    stub_integrations(hass)
    other = add_ha_lock(hass, "august", "garage", name="Garage")
    good = add_ha_lock(hass, "zwave_js", "front_door")
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"locks": [good.entity_id, other.entity_id]}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"locks": "unsupported_lock"}
    assert result["description_placeholders"]["lock"] == "Garage"
    assert "Z-Wave JS" in result["description_placeholders"]["integrations"]
    assert not hass.config_entries.async_entries(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"locks": [good.entity_id]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_an_entity_not_in_the_registry_is_refused(hass: HomeAssistant) -> None:
    stub_integrations(hass)
    hass.states.async_set(
        "lock.template_door", "locked", {"friendly_name": "Template door"}
    )
    result = await _submit(hass, {"locks": ["lock.template_door"]})
    assert result["errors"] == {"locks": "unsupported_lock"}
    assert result["description_placeholders"]["lock"] == "Template door"


async def test_a_lock_whose_integration_lacks_the_actions_is_refused(
    hass: HomeAssistant,
) -> None:
    stub_integrations(hass, matter=False)
    door = add_ha_lock(hass, "matter", "front_door", name="Front door")
    result = await _submit(hass, {"locks": [door.entity_id]})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"locks": "lock_actions_missing"}
    assert result["description_placeholders"]["lock"] == "Front door"
    assert result["description_placeholders"]["integration"] == "matter"


async def test_an_integration_not_loaded_is_refused(hass: HomeAssistant) -> None:
    door = add_ha_lock(hass, "zwave_js", "front_door")
    result = await _submit(hass, {"locks": [door.entity_id]})
    assert result["errors"] == {"locks": "lock_actions_missing"}


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({"code_length": 9}, {"code_length": "schlage_code_length"}),
        (
            {"first_slot": 65530, "slot_count": 10},
            {"slot_count": "slots_out_of_range"},
        ),
        ({"code_length": 8, "first_slot": 65525, "slot_count": 10}, {}),
        ({"code_length": 4}, {}),
    ],
)
async def test_settings_checked_against_the_locks(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> None:
    stub_integrations(hass)
    door = add_ha_lock(hass, "schlage", "front_door")
    result = await _submit(hass, {"locks": [door.entity_id], **user_input})
    if errors:
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == errors
    else:
        assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_longer_codes_for_other_integrations(hass: HomeAssistant) -> None:
    stub_integrations(hass)
    door = add_ha_lock(hass, "zha", "front_door")
    result = await _submit(hass, {"locks": [door.entity_id], "code_length": 10})
    assert result["options"]["locks"][door.id]["code_length"] == 10


@pytest.mark.parametrize(
    "user_input",
    [{"code_length": 3}, {"code_length": 11}, {"first_slot": 0}, {"slot_count": 51}],
)
async def test_out_of_range_numbers_are_refused_by_the_form(
    hass: HomeAssistant, user_input: dict[str, Any]
) -> None:
    stub_integrations(hass)
    door = add_ha_lock(hass, "zwave_js", "front_door")
    with pytest.raises(InvalidData):
        await _submit(hass, {"locks": [door.entity_id], **user_input})
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_no_lock_is_refused(hass: HomeAssistant) -> None:
    result = await _submit(hass, {"locks": []})
    assert result["errors"] == {"locks": "no_lock_entities"}


async def test_the_same_lock_twice_is_refused(hass: HomeAssistant) -> None:
    stub_integrations(hass)
    door = add_ha_lock(hass, "zwave_js", "front_door")
    result = await _submit(hass, {"locks": [door.entity_id, door.id]})
    assert result["errors"] == {"locks": "duplicate_lock"}


async def test_a_second_account_aborts(hass: HomeAssistant) -> None:
    MockConfigEntry(
        domain=DOMAIN,
        title="Locks in Home Assistant",
        data={"kind": "home_assistant"},
        options={"locks": {}},
        unique_id="home_assistant",
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "home_assistant"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_points_to_the_options(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Locks in Home Assistant",
        data={"kind": "home_assistant"},
        options={"locks": {}},
        unique_id="home_assistant",
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_in_options"
    assert entry.options == {"locks": {}}
