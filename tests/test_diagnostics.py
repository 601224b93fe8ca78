"""Diagnostics, with secrets redacted."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from homeassistant.core import HomeAssistant


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_demo: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_demo)
    assert diagnostics == snapshot


async def test_secrets_redacted(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    entry = MockConfigEntry(
        domain="lockbooking",
        # A UniFi console's host and a Nuki lock's MAC name hardware: redacted too.
        data={
            "kind": "demo",
            "name": "Demo",
            "api_token": "s3cr3t-token",
            "host": "192.168.7.20",
            "address": "C8:2A:1B:3C:4D:5E",
        },
        unique_id="demo_demo",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["data"]["api_token"] == "**REDACTED**"
    assert "s3cr3t-token" not in str(diagnostics)
    assert diagnostics["entry"]["data"]["host"] == "**REDACTED**"
    assert "192.168.7.20" not in str(diagnostics)
    assert "C8:2A:1B:3C:4D:5E" not in str(diagnostics)
