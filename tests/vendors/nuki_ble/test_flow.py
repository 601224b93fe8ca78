"""Adding a Nuki lock over Bluetooth: discovery, choice, pairing, PIN, reauth, reconfigure."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.const import DOMAIN
from homeassistant.config_entries import SOURCE_BLUETOOTH, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .conftest import ADDRESS, PIN, advertise
from .fake_nuki_peer import FakeNukiLock

pytestmark = pytest.mark.usefixtures("enable_bluetooth", "radio")

OTHER = "C8:2A:1B:3C:4D:99"


def nuki_flows(hass: HomeAssistant) -> list[dict[str, Any]]:
    return [
        f for f in hass.config_entries.flow.async_progress() if f["handler"] == DOMAIN
    ]


async def _to_pairing_by_menu(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert "nuki_ble" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "nuki_ble"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "nuki_ble"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"address": ADDRESS}
    )
    assert result["step_id"] == "nuki_ble_pair"
    return result["flow_id"]


async def _pair(hass: HomeAssistant, flow_id: str) -> dict[str, Any]:
    return await hass.config_entries.flow.async_configure(flow_id, {})


async def test_discovery_pairs_and_checks_the_pin(
    hass: HomeAssistant, nuki_lock: FakeNukiLock
) -> None:
    """The manifest's matcher offers the lock; pairing and the PIN add it."""
    nuki_lock.pairing_mode = True
    advertise(hass, pairing=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    [flow] = nuki_flows(hass)
    assert flow["context"]["source"] == SOURCE_BLUETOOTH
    assert flow["context"]["title_placeholders"] == {"name": "Nuki_2A1B3C4D"}
    assert flow["step_id"] == "nuki_ble_pair"

    result = await _pair(hass, flow["flow_id"])
    assert result["step_id"] == "nuki_ble_pin"
    assert len(nuki_lock.authorizations) == 1
    assert not nuki_lock.pairing_mode
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"security_pin": "1234"}
    )
    assert result["errors"] == {"security_pin": "wrong_pin"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"security_pin": "12a4"}
    )
    assert result["errors"] == {"security_pin": "invalid_pin"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"security_pin": str(PIN)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Nuki Front door"
    entry = result["result"]
    assert entry.unique_id == ADDRESS
    [(auth_id, key)] = nuki_lock.authorizations.items()
    assert entry.data == {
        "kind": "nuki_ble",
        "address": ADDRESS,
        "auth_id": auth_id.hex(),
        "shared_key": key.hex(),
        "app_id": entry.data["app_id"],
        "security_pin": str(PIN),
    }
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("lock.front_door").state == "locked"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_pairing_needs_pairing_mode(
    hass: HomeAssistant, nuki_lock: FakeNukiLock
) -> None:
    advertise(hass)
    await hass.async_block_till_done()
    for flow in nuki_flows(hass):
        hass.config_entries.flow.async_abort(flow["flow_id"])
    flow_id = await _to_pairing_by_menu(hass)
    result = await _pair(hass, flow_id)
    assert result["errors"] == {"base": "not_pairing"}
    assert nuki_lock.authorizations == {}
    nuki_lock.pairing_mode = True
    result = await _pair(hass, flow_id)
    assert result["step_id"] == "nuki_ble_pin"


async def test_pairing_when_out_of_range(
    hass: HomeAssistant, nuki_lock: FakeNukiLock
) -> None:
    advertise(hass)
    await hass.async_block_till_done()
    for flow in nuki_flows(hass):
        hass.config_entries.flow.async_abort(flow["flow_id"])
    flow_id = await _to_pairing_by_menu(hass)
    nuki_lock.in_range = False
    result = await _pair(hass, flow_id)
    assert result["errors"] == {"base": "cannot_connect"}


async def test_pairing_with_a_forged_lock_fails(
    hass: HomeAssistant, nuki_lock: FakeNukiLock
) -> None:
    """A lock whose authenticators do not check out (another key) is not paired."""
    nuki_lock.pairing_mode = True
    advertise(hass)
    await hass.async_block_till_done()
    for flow in nuki_flows(hass):
        hass.config_entries.flow.async_abort(flow["flow_id"])
    flow_id = await _to_pairing_by_menu(hass)
    with patch(
        "custom_components.lockbooking.vendors.nuki_ble.session.shared_key",
        return_value=bytes(32),
    ):
        result = await _pair(hass, flow_id)
    assert result["errors"] == {"base": "cannot_connect"}
    assert nuki_lock.authorizations == {}


async def test_no_lock_heard(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "nuki_ble"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_devices_found"


async def test_only_unconfigured_nuki_locks_are_offered(
    hass: HomeAssistant, nuki_ble_entry: MockConfigEntry
) -> None:
    nuki_ble_entry.add_to_hass(hass)
    advertise(hass)
    advertise(hass, address=OTHER, name="Nuki_Cellar")
    advertise(
        hass,
        address="AA:BB:CC:DD:EE:FF",
        name="Thermometer",
        manufacturer_data={},
        service_uuids=[],
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "nuki_ble"}
    )
    options = result["data_schema"].schema["address"].config["options"]
    assert options == [{"value": OTHER, "label": f"Nuki_Cellar ({OTHER})"}]


async def test_discovery_of_a_configured_lock_aborts(
    hass: HomeAssistant, nuki_ble_entry: MockConfigEntry
) -> None:
    nuki_ble_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_BLUETOOTH}, data=advertise(hass)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_bluetooth_cannot_start(hass: HomeAssistant) -> None:
    with (
        patch(
            "custom_components.lockbooking.vendors.async_setup_component",
            return_value=False,
        ),
        patch.object(hass.config, "components", set()),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "nuki_ble"}
        )
    assert result["reason"] == "cannot_connect"


async def test_reauth_with_a_new_pin(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.security_pin = 2468
    result = await init_nuki_ble.start_reauth_flow(hass)
    assert list(result["data_schema"].schema) == ["security_pin"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_pin": str(PIN)}
    )
    assert result["errors"] == {"security_pin": "wrong_pin"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_pin": "2468"}
    )
    assert result["reason"] == "reauth_successful"
    assert init_nuki_ble.data["security_pin"] == "2468"


async def test_reauth_when_the_pairing_was_removed(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """A lock that no longer knows the pairing cannot even answer: cannot connect."""
    nuki_lock.authorizations.clear()
    result = await init_nuki_ble.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_pin": str(PIN)}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_reconfigure_the_pin(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.security_pin = 1357
    result = await init_nuki_ble.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    assert list(result["data_schema"].schema) == ["security_pin"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_pin": "1357"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert init_nuki_ble.data["security_pin"] == "1357"
    assert init_nuki_ble.data["auth_id"]


async def test_reconfigure_rejects_a_wrong_pin(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry
) -> None:
    result = await init_nuki_ble.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_pin": "9999"}
    )
    assert result["errors"] == {"security_pin": "wrong_pin"}


async def test_reauth_refused_pairing_is_invalid_auth(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """The lock answers, but refuses this client (its pairing was disabled)."""
    from .fake_nuki_peer import K_ERROR_NOT_AUTHORIZED, VERIFY_PIN

    nuki_lock.fail_with[VERIFY_PIN] = K_ERROR_NOT_AUTHORIZED
    result = await init_nuki_ble.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_pin": str(PIN)}
    )
    assert result["errors"] == {"base": "invalid_auth"}
