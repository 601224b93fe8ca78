"""One coordinator per vendor account: the account's locks, refreshed on the vendor's cadence."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, LOGGER
from .models import Lock
from .vendors.base import LockVendor, VendorAuthError, VendorError

# Code requests one account may have at its vendor at once: vendors rate-limit per
# account, so a burst of due stays queues here rather than in a row of 429s.
MAX_VENDOR_CALLS = 4


@dataclass(slots=True)
class AccountData:
    """What a vendor account's config entry keeps at run time."""

    vendor: LockVendor
    coordinator: LockCoordinator
    vendor_calls: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(MAX_VENDOR_CALLS)
    )


type LockbookingConfigEntry = ConfigEntry[AccountData]


def device_identifier(entry: ConfigEntry, lock_id: str) -> tuple[str, str]:
    """The device registry identifier of a lock, unique across accounts."""
    return (DOMAIN, f"{entry.unique_id}:{lock_id}")


@callback
def async_device_of(
    hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """A config entry's device with this identifier.

    Looked up among the entry's own devices, the one way that works on every supported
    release: `async_get_device(identifiers=...)` is deprecated since 2026.11, and its
    replacement, `async_get_device_by_identifier`, is not in earlier releases.
    """
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
            if identifier in device.identifiers
        ),
        None,
    )


class LockCoordinator(DataUpdateCoordinator[dict[str, Lock]]):
    """Polls one vendor account for its locks and their status."""

    config_entry: LockbookingConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: LockbookingConfigEntry, vendor: LockVendor
    ) -> None:
        """Poll at the vendor's own interval."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=vendor.poll_interval,
        )
        self.vendor = vendor

    async def _async_update_data(self) -> dict[str, Lock]:
        try:
            locks = await self.vendor.async_get_locks()
        except VendorAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key=err.key
            ) from err
        except VendorError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"detail": err.detail or type(err).__name__},
            ) from err
        data = {lock.id: lock for lock in locks}
        if self.data is not None and self.data.keys() - data.keys():
            self._remove_devices_of(self.data.keys() - data.keys())
        return data

    @callback
    def _remove_devices_of(self, lock_ids: set[str]) -> None:
        """Drop the devices of locks the account no longer has."""
        registry = dr.async_get(self.hass)
        for lock_id in lock_ids:
            identifier = device_identifier(self.config_entry, lock_id)
            # Each lock's device belongs to its account's entry alone.
            if device := async_device_of(self.hass, self.config_entry.entry_id, identifier):
                registry.async_remove_device(device.id)
