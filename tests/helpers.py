"""Helpers the test modules share."""

from __future__ import annotations

from custom_components.lockbooking.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr


def lock_device(hass: HomeAssistant, lock_key: str) -> dr.DeviceEntry | None:
    """The device of a lock, by its key, among lockbooking's entries' devices.

    Not `async_get_device(identifiers=...)`: deprecated since Home Assistant 2026.11.
    """
    registry = dr.async_get(hass)
    return next(
        (
            device
            for entry in hass.config_entries.async_entries(DOMAIN)
            for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
            if (DOMAIN, lock_key) in device.identifiers
        ),
        None,
    )
