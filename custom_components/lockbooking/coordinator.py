"""One coordinator per vendor account: the account's locks, refreshed on the vendor's cadence."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .code_record import CodeRecord
from .const import DOMAIN, LOGGER
from .models import Lock, SlotRange
from .vendors.base import LockVendor, VendorAuthError, VendorError


class SlotWriter(Protocol):
    """What codes and revokes need of an account's scheduled activation (activation.py)."""

    async def async_apply(self, record: CodeRecord, *, arm: bool = True) -> CodeRecord:
        """Make the lock hold what the record wants now; raise VendorError if it did not."""

    async def async_release(self, lock_id: str, keep: SlotRange | None) -> None:
        """Clear a lock's codes from slots it stops managing (all, for None)."""


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
    # Writes and clears the codes of locks that keep no window themselves.
    activation: SlotWriter | None = None


type LockbookingConfigEntry = ConfigEntry[AccountData]


class LockCoordinator(DataUpdateCoordinator[dict[str, Lock]]):
    """Polls one vendor account for its locks and their status."""

    config_entry: LockbookingConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: LockbookingConfigEntry,
        vendor: LockVendor,
        on_locks_gone: Callable[[set[str]], None],
    ) -> None:
        """Poll at the vendor's own interval; tell `on_locks_gone` of locks that went."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=vendor.poll_interval,
        )
        self.vendor = vendor
        self._on_locks_gone = on_locks_gone

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
            self._on_locks_gone(self.data.keys() - data.keys())
        return data
