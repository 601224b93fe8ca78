"""Helpers the test modules share."""

from __future__ import annotations

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.locks import async_device_of
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr


def lock_device(hass: HomeAssistant, lock_key: str) -> dr.DeviceEntry | None:
    """The device of a lock, by its key, among lockbooking's entries' devices."""
    return next(
        (
            device
            for entry in hass.config_entries.async_entries(DOMAIN)
            if (device := async_device_of(hass, entry.entry_id, (DOMAIN, lock_key)))
        ),
        None,
    )
