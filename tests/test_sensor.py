"""Battery sensors on the demo account."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er


@pytest.fixture
def platforms() -> list[str]:
    return [Platform.SENSOR]


async def test_snapshot(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_demo.entry_id)


async def test_battery_levels(hass: HomeAssistant, init_demo: MockConfigEntry) -> None:
    assert hass.states.get("sensor.front_door_battery").state == "87"
    assert hass.states.get("sensor.cabin_battery").state == "64"
    assert hass.states.get("sensor.garden_gate_battery") is None
