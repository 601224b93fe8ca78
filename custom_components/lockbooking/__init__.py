"""LockBooking: door codes that follow reservations, on igloohome, Nuki and UniFi Access locks."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .coordinator import AccountData, LockbookingConfigEntry, LockCoordinator
from .ledger import CodeLedger
from .services import LEDGER, async_setup_services
from .vendors import create_vendor

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
ACCOUNT_PLATFORMS = [Platform.BINARY_SENSOR, Platform.LOCK, Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what every entry shares: the code ledger and the services."""
    ledger = CodeLedger(hass)
    await ledger.async_load()
    hass.data[LEDGER] = ledger
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: LockbookingConfigEntry) -> bool:
    """Set up a vendor account: its client, its coordinator and its entities."""
    vendor = create_vendor(hass, entry.data)
    coordinator = LockCoordinator(hass, entry, vendor)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = AccountData(vendor=vendor, coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, ACCOUNT_PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: LockbookingConfigEntry) -> bool:
    """Unload a vendor account."""
    return await hass.config_entries.async_unload_platforms(entry, ACCOUNT_PLATFORMS)
