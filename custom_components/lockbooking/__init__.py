"""LockBooking: door codes that follow reservations, on igloohome, Nuki and UniFi Access locks."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

from .activation import async_setup_activation
from .const import CONF_KIND, DOMAIN, SIGNAL_LOCKS_LOADED, EntryKind
from .coordinator import AccountData, LockbookingConfigEntry, LockCoordinator
from .ledger import LEDGER, CodeLedger
from .locks import async_remove_lock_devices, locks_for_keys
from .reconcile import async_setup_reconcile
from .reservations.arrivals import ArrivalWatcher, async_remove_warnings
from .reservations.cap_gate import ISSUE_TOO_MANY_NEW_CODES
from .reservations.coordinator import ReservationsCoordinator, async_forget_entry
from .reservations.entry_codes import async_revoke_entry_codes
from .reservations.runtime import ReservationsConfigEntry, ReservationsRuntime
from .reservations.scheduler import CodeScheduler
from .services import async_setup_services
from .slot_release import async_release_account
from .vendors import async_create_vendor
from .vendors.base import VendorUnavailableError

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PRUNE_EVERY = timedelta(days=1)
ACCOUNT_PLATFORMS = [Platform.BINARY_SENSOR, Platform.LOCK, Platform.SENSOR]
RESERVATIONS_PLATFORMS = [Platform.CALENDAR, Platform.EVENT]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what every entry shares: the code ledger and the services."""
    ledger = CodeLedger(hass)
    await ledger.async_load()
    await ledger.async_prune()
    hass.data[LEDGER] = ledger

    async def prune(now: datetime) -> None:
        await ledger.async_prune()

    async_track_time_interval(hass, prune, PRUNE_EVERY, cancel_on_shutdown=True)
    async_setup_services(hass)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry written by an older version up to date."""
    if entry.version > 1:
        return False  # written by a newer version: leave it alone
    if entry.minor_version < 2:
        # 1.2 dropped "show codes in the calendar": every user reads the calendar.
        options = {
            key: value for key, value in entry.options.items() if key != "show_codes"
        }
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Set up a vendor account or a reservations entry."""
    if entry.data[CONF_KIND] == EntryKind.RESERVATIONS:
        return await _async_setup_reservations(hass, entry)
    return await _async_setup_account(hass, entry)


async def _async_setup_account(
    hass: HomeAssistant, entry: LockbookingConfigEntry
) -> bool:
    """Set up a vendor account: its client, its coordinator and its entities."""
    try:
        # An account's options (the slots of locks in Home Assistant) are its data too;
        # an account without options gets its entry's own data (a vendor may know it).
        data = {**entry.data, **entry.options} if entry.options else entry.data
        vendor = await async_create_vendor(hass, data)
    except VendorUnavailableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="vendor_not_loaded"
        ) from err
    coordinator = LockCoordinator(
        hass, entry, vendor, lambda gone: async_remove_lock_devices(hass, entry, gone)
    )
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = AccountData(vendor=vendor, coordinator=coordinator)
    await async_setup_reconcile(hass, entry, hass.data[LEDGER])
    await async_setup_activation(hass, entry, hass.data[LEDGER])
    await hass.config_entries.async_forward_entry_setups(entry, ACCOUNT_PLATFORMS)
    async_dispatcher_send(hass, SIGNAL_LOCKS_LOADED)
    return True


async def _async_setup_reservations(
    hass: HomeAssistant, entry: ReservationsConfigEntry
) -> bool:
    """Set up a reservations entry: its feed, its calendar and its automatic codes."""
    coordinator = ReservationsCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    ledger = hass.data[LEDGER]
    resolve_locks = partial(locks_for_keys, hass)
    scheduler = CodeScheduler(hass, entry, coordinator, ledger, resolve_locks)
    arrivals = ArrivalWatcher(hass, entry, coordinator, ledger, resolve_locks)
    entry.runtime_data = ReservationsRuntime(
        coordinator=coordinator, scheduler=scheduler, arrivals=arrivals
    )
    await hass.config_entries.async_forward_entry_setups(entry, RESERVATIONS_PLATFORMS)
    # Not awaited, nor run here: a vendor must not hold up the set-up, nor Home
    # Assistant's start. The scheduler's first run comes once the entry is loaded.
    entry.async_on_unload(scheduler.async_start())
    entry.async_on_unload(arrivals.async_start())
    entry.async_create_background_task(
        hass, arrivals.async_run(), f"{DOMAIN} arrivals for {entry.title}"
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Unload an entry of either kind."""
    platforms = (
        RESERVATIONS_PLATFORMS
        if entry.data[CONF_KIND] == EntryKind.RESERVATIONS
        else ACCOUNT_PLATFORMS
    )
    return await hass.config_entries.async_unload_platforms(entry, platforms)


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Drop what a removed entry left: live codes, and a reservations entry's repairs."""
    if entry.data[CONF_KIND] == EntryKind.HOME_ASSISTANT:
        # Codes in slots have no end of their own: nobody would clear them later.
        await async_release_account(
            hass, hass.data[LEDGER], entry.unique_id, {**entry.data, **entry.options}
        )
    if entry.data[CONF_KIND] == EntryKind.RESERVATIONS:
        async_remove_warnings(hass, entry.entry_id)
        ir.async_delete_issue(
            hass, DOMAIN, f"{ISSUE_TOO_MANY_NEW_CODES}_{entry.entry_id}"
        )
        # Nobody follows its stays any more: their codes go with it.
        await async_revoke_entry_codes(hass, hass.data[LEDGER], entry)
        await async_forget_entry(hass, entry.entry_id)
