"""The config flow: the menu and the demo step."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.vendors.base import (
    AccountIdentity,
    VendorAuthError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType


async def _demo_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert "demo" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "demo"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "demo"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_demo_default_name(hass: HomeAssistant) -> None:
    flow_id = await _demo_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Demo"
    assert result["data"] == {"kind": "demo"}
    assert result["result"].unique_id == "demo_demo"
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door") is not None


async def test_demo_named(hass: HomeAssistant) -> None:
    flow_id = await _demo_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "  Ferienhaus   Müller "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Ferienhaus Müller"
    assert result["result"].unique_id == "demo_ferienhaus_muller"


@pytest.mark.parametrize("name", ["!!!", "x" * 65])
async def test_demo_invalid_name_then_fixed(hass: HomeAssistant, name: str) -> None:
    flow_id = await _demo_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"name": name})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"name": "invalid_name"}
    assert not hass.config_entries.async_entries(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow_id, {"name": "Cabin"})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_demo_duplicate_aborts(
    hass: HomeAssistant, demo_entry: MockConfigEntry
) -> None:
    demo_entry.add_to_hass(hass)
    flow_id = await _demo_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"name": "demo"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.parametrize(
    ("error", "base"),
    [
        (VendorAuthError(), "invalid_auth"),
        (VendorUnavailableError("down"), "cannot_connect"),
        (RuntimeError("bug"), "unknown"),
    ],
)
async def test_errors_shown_on_the_form_then_recovery(
    hass: HomeAssistant, error: Exception, base: str
) -> None:
    flow_id = await _demo_form(hass)
    with patch.object(DemoVendor, "async_identify", side_effect=error):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"name": "Demo"}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": base}
    result = await hass.config_entries.flow.async_configure(flow_id, {"name": "Demo"})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reconfigure(hass: HomeAssistant, init_demo: MockConfigEntry) -> None:
    result = await init_demo.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "DEMO"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_demo.data == {"kind": "demo", "name": "DEMO"}


async def test_reconfigure_to_another_account_aborts(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    result = await init_demo.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Other"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert init_demo.data == {"kind": "demo", "name": "Demo"}


async def test_reconfigure_error_keeps_entry(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    result = await init_demo.start_reconfigure_flow(hass)
    with patch.object(
        DemoVendor, "async_identify", side_effect=VendorUnavailableError()
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"name": "Demo"}
        )
    assert result["errors"] == {"base": "cannot_connect"}
    assert init_demo.data == {"kind": "demo", "name": "Demo"}


async def test_reauth(hass: HomeAssistant, init_demo: MockConfigEntry) -> None:
    result = await init_demo.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    with patch.object(DemoVendor, "async_identify", side_effect=VendorAuthError()):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"


async def test_reauth_with_another_account_aborts(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    result = await init_demo.start_reauth_flow(hass)
    with patch.object(
        DemoVendor,
        "async_identify",
        return_value=AccountIdentity(unique_id="demo_other", title="Other"),
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
