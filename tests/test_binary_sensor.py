"""Low-battery binary sensors on the demo account."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from homeassistant.const import STATE_OFF, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er


@pytest.fixture
def platforms() -> list[str]:
    return [Platform.BINARY_SENSOR]


async def test_snapshot(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_demo.entry_id)


async def test_only_locks_reporting_critical(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    assert (
        hass.states.get("binary_sensor.front_door_battery_critical").state == STATE_OFF
    )
    assert hass.states.get("binary_sensor.cabin_battery_critical") is None
