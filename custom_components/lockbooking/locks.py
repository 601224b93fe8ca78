"""The locks of loaded vendor accounts: their keys, their devices and how to find them.

A lock's key names it in the ledger and is its device identifier: `lock_key` alone
writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN
from .coordinator import AccountData, LockbookingConfigEntry
from .models import Lock

KEY_SEPARATOR = ":"


def lock_key(account: str | None, lock_id: str) -> str:
    """Make the key of an account's lock: its ledger key and device identifier.

    `account` is the account entry's unique id.
    """
    return f"{account}{KEY_SEPARATOR}{lock_id}"


def lock_id_in(account: str | None, key: str) -> str | None:
    """Tell the lock id a key names if the key is of this account's locks, else None."""
    prefix = lock_key(account, "")
    return key.removeprefix(prefix) if key.startswith(prefix) else None


def device_identifier(entry: ConfigEntry, lock_id: str) -> tuple[str, str]:
    """Identify a lock's device in the registry, uniquely across accounts."""
    return (DOMAIN, lock_key(entry.unique_id, lock_id))


@callback
def async_device_of(
    hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """Find a config entry's device with this identifier.

    Looked up among the entry's own devices, the one way that works on every supported
    release: `async_get_device(identifiers=...)` is deprecated since 2026.11, and its
    replacement, `async_get_device_by_identifier`, is not in earlier releases.
    """
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(
                dr.async_get(hass), entry_id
            )
            if identifier in device.identifiers
        ),
        None,
    )


@callback
def async_remove_lock_devices(
    hass: HomeAssistant, entry: ConfigEntry, lock_ids: set[str]
) -> None:
    """Drop the devices of locks the account no longer has."""
    registry = dr.async_get(hass)
    for lock_id in lock_ids:
        # Each lock's device belongs to its account's entry alone.
        if device := async_device_of(
            hass, entry.entry_id, device_identifier(entry, lock_id)
        ):
            registry.async_remove_device(device.id)


@dataclass(frozen=True, slots=True)
class LockTarget:
    """A lock picked by a service call or a reservations entry."""

    entry: LockbookingConfigEntry
    lock: Lock
    device_id: str | None = None
    entity_id: str | None = None

    @property
    def key(self) -> str:
        """The lock's key in the ledger (also its device identifier)."""
        return lock_key(self.entry.unique_id, self.lock.id)


def lock_ids(target: LockTarget | None) -> dict[str, str | None]:
    """How events and attributes name a lock: its device and entity, never its key.

    A lock key holds an account id, a UniFi host or a Bluetooth MAC address.
    """
    return {
        "device_id": target.device_id if target else None,
        "entity_id": target.entity_id if target else None,
    }


@callback
def locks_targeted(
    hass: HomeAssistant,
    device_ids: list[str],
    entity_ids: list[str],
    *,
    required: bool,
) -> list[LockTarget]:
    """Resolve the locks a call targets by device and entity; each must be one of ours.

    No target at all means every lock, unless a target is `required`.
    """
    device_ids = list(device_ids)
    entity_for_device: dict[str, str] = {}
    entities = er.async_get(hass)
    locks = locks_by_key(hass)
    targets: dict[str, LockTarget] = {}
    for entity_id in entity_ids:
        entry = entities.async_get(entity_id)
        if (in_ha := _lock_in_ha(hass, locks, entity_id)) is not None:
            targets[in_ha.key] = in_ha
            continue
        if entry is None or entry.platform != DOMAIN or entry.device_id is None:
            raise _not_ours(entity_id)
        device_ids.append(entry.device_id)
        entity_for_device.setdefault(entry.device_id, entity_id)
    if not device_ids and not targets:
        if required:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="no_target"
            )
        return [target for target in locks.values() if target is not None]
    for device_id in device_ids:
        found = lock_of_device(hass, locks, device_id, entity_for_device.get(device_id))
        if found is None:
            device = dr.async_get(hass).async_get(device_id)
            raise _not_ours((device.name if device else None) or device_id)
        targets[found.key] = found
    return list(targets.values())


def _not_ours(reference: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_lockbooking_lock",
        translation_placeholders={"target": reference},
    )


@callback
def lock_key_of_device(hass: HomeAssistant, device_id: str) -> str | None:
    """Find the lock key of a loaded lock's device (or of a managed lock entity)."""
    locks = locks_by_key(hass)
    if (in_ha := _lock_in_ha(hass, locks, device_id)) is not None:
        return in_ha.key
    target = lock_of_device(hass, locks, device_id, None)
    return target.key if target else None


@callback
def locks_for_keys(hass: HomeAssistant, keys: list[str]) -> list[LockTarget]:
    """Find the loaded locks with these keys, with their device and lock entity."""
    locks = locks_by_key(hass)
    targets: list[LockTarget] = []
    for key in keys:
        if (found := locks.get(key)) is None:
            continue
        if found.lock.entity_id is not None:
            if (in_ha := _lock_in_ha(hass, locks, found.lock.entity_id)) is not None:
                targets.append(in_ha)
            continue
        device = async_device_of(hass, found.entry.entry_id, (DOMAIN, key))
        device_id = device.id if device else None
        entity_id = (
            lock_entity_of_device(er.async_get(hass), device_id) if device_id else None
        )
        targets.append(LockTarget(found.entry, found.lock, device_id, entity_id))
    return targets


@callback
def lock_of_device(
    hass: HomeAssistant,
    locks: dict[str, LockTarget],
    device_id: str,
    entity_id: str | None,
) -> LockTarget | None:
    """Find the lock among `locks` whose device this is, with its device and lock entity."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return None
    for entity in er.async_entries_for_device(er.async_get(hass), device_id):
        if (
            entity.domain == "lock"
            and entity_id in (None, entity.entity_id)
            and (in_ha := _lock_in_ha(hass, locks, entity.entity_id)) is not None
        ):
            return in_ha
    identifier = next(
        (value for domain, value in device.identifiers if domain == DOMAIN), None
    )
    found = locks.get(identifier) if identifier else None
    if found is None:
        return None
    return LockTarget(
        entry=found.entry,
        lock=found.lock,
        device_id=device_id,
        entity_id=entity_id or lock_entity_of_device(er.async_get(hass), device_id),
    )


@callback
def _lock_in_ha(
    hass: HomeAssistant, locks: dict[str, LockTarget], entity_id: str
) -> LockTarget | None:
    """Find the lock of a "Locks in Home Assistant" account that is this entity."""
    found = next(
        (target for target in locks.values() if target.lock.entity_id == entity_id),
        None,
    )
    if found is None:
        return None
    entity = er.async_get(hass).async_get(entity_id)
    return LockTarget(
        entry=found.entry,
        lock=found.lock,
        device_id=entity.device_id if entity is not None else None,
        entity_id=entity_id,
    )


@callback
def locks_by_key(hass: HomeAssistant) -> dict[str, LockTarget]:
    """Every lock of the loaded (or loading) vendor accounts, by key."""
    found: dict[str, LockTarget] = {}
    entry: LockbookingConfigEntry
    for entry in hass.config_entries.async_entries(DOMAIN):
        # An account announces its locks from the end of its own set-up, still in progress.
        if entry.state not in (
            ConfigEntryState.LOADED,
            ConfigEntryState.SETUP_IN_PROGRESS,
        ) or not isinstance(getattr(entry, "runtime_data", None), AccountData):
            continue
        for lock in entry.runtime_data.coordinator.data.values():
            target = LockTarget(entry=entry, lock=lock)
            found[target.key] = target
    return found


def lock_entity_of_device(entities: er.EntityRegistry, device_id: str) -> str | None:
    """Find the lockbooking lock entity on a device."""
    return next(
        (
            entry.entity_id
            for entry in er.async_entries_for_device(entities, device_id)
            if entry.domain == "lock" and entry.platform == DOMAIN
        ),
        None,
    )
