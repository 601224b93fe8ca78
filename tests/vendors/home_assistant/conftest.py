"""Shared fixtures of the "Locks in Home Assistant" tests: four locks, their stubbed actions."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.lockbooking.const import (
    CONF_CODE_LENGTH,
    CONF_FIRST_SLOT,
    CONF_KIND,
    CONF_LOCK_ENTITIES,
    CONF_SLOT_COUNT,
)
from custom_components.lockbooking.models import Lock
from custom_components.lockbooking.vendors.home_assistant.vendor import (
    HomeAssistantLocksVendor,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ...ha_locks import FakeKeypads, add_ha_lock, stub_integrations

SLOTS = {CONF_FIRST_SLOT: 10, CONF_SLOT_COUNT: 10, CONF_CODE_LENGTH: 6}


@pytest.fixture
def keypads(hass: HomeAssistant) -> FakeKeypads:
    """Every supported integration's code actions, stubbed."""
    return stub_integrations(hass)


@pytest.fixture
def ha_locks(hass: HomeAssistant, vienna: None) -> dict[str, er.RegistryEntry]:
    """One lock entity per supported integration, by integration."""
    return {
        "zwave_js": add_ha_lock(hass, "zwave_js", "front_door"),
        "zha": add_ha_lock(hass, "zha", "back_door"),
        "matter": add_ha_lock(hass, "matter", "side_door"),
        "schlage": add_ha_lock(hass, "schlage", "garage"),
    }


def account(*entries: er.RegistryEntry, **settings: Any) -> dict[str, Any]:
    """An account's entry data naming these lock entities, with the default slots."""
    return {
        CONF_KIND: "home_assistant",
        CONF_LOCK_ENTITIES: {entry.id: {**SLOTS, **settings} for entry in entries},
    }


@pytest.fixture
def vendor(
    hass: HomeAssistant, ha_locks: dict[str, er.RegistryEntry]
) -> HomeAssistantLocksVendor:
    """The account of the four locks."""
    return HomeAssistantLocksVendor(hass, account(*ha_locks.values()))


async def lock_named(vendor: HomeAssistantLocksVendor, entity_id: str) -> Lock:
    """The account's lock whose entity is `entity_id`."""
    return next(
        lock for lock in await vendor.async_get_locks() if lock.entity_id == entity_id
    )
