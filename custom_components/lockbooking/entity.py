"""The base of every entity that belongs to a lock."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import LockCoordinator
from .locks import device_identifier, lock_key
from .models import Lock


class LockbookingEntity(CoordinatorEntity[LockCoordinator]):
    """An entity of one lock, on that lock's device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: LockCoordinator, lock_id: str, key: str) -> None:
        """Describe the lock's device from the account's last refresh."""
        super().__init__(coordinator)
        self.lock_id = lock_id
        entry = coordinator.config_entry
        lock = coordinator.data[lock_id]
        self._attr_unique_id = f"{lock_key(entry.unique_id, lock_id)}:{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={device_identifier(entry, lock_id)},
            name=lock.name,
            manufacturer=lock.manufacturer,
            model=lock.model,
            sw_version=lock.sw_version,
        )
        if lock.via_device is not None:
            self._attr_device_info["via_device"] = device_identifier(
                entry, lock.via_device
            )

    @property
    def reported_lock(self) -> Lock:
        """The lock as the account last reported it.

        Not `lock`: that is LockEntity's method for locking, which a lock entity has too.
        """
        return self.coordinator.data[self.lock_id]

    @property
    def available(self) -> bool:
        """Unavailable when the account or this lock cannot be reached."""
        return (
            super().available
            and self.lock_id in self.coordinator.data
            and self.reported_lock.status.online
        )


def add_entities_for_locks(
    coordinator: LockCoordinator,
    async_add_entities: AddEntitiesCallback,
    entities_for: Callable[[LockCoordinator, Lock], list[LockbookingEntity]],
) -> None:
    """Add a platform's entities for every lock, now and whenever the account gains one."""
    known: set[str] = set()

    @callback
    def add_new_locks() -> None:
        # A lock that left the account lost its device and entities; if it comes back,
        # it is new again.
        known.intersection_update(coordinator.data)
        new = [
            lock for lock_id, lock in coordinator.data.items() if lock_id not in known
        ]
        known.update(lock.id for lock in new)
        if entities := [e for lock in new for e in entities_for(coordinator, lock)]:
            async_add_entities(entities)

    add_new_locks()
    coordinator.config_entry.async_on_unload(
        coordinator.async_add_listener(add_new_locks)
    )
