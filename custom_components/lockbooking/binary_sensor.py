"""Binary sensors: low batteries, where a vendor reports the flag, and door sensors."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import LockbookingConfigEntry, LockCoordinator
from .entity import LockbookingEntity, add_entities_for_locks
from .models import Lock

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LockbookingConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a low-battery sensor for every lock that reports one."""

    def entities_for(
        coordinator: LockCoordinator, lock: Lock
    ) -> list[LockbookingEntity]:
        entities: list[LockbookingEntity] = []
        if lock.capabilities.battery_critical:
            entities.append(BatteryLowSensor(coordinator, lock.id))
        if lock.capabilities.keypad_battery_critical:
            entities.append(KeypadBatteryLowSensor(coordinator, lock.id))
        if lock.capabilities.door_sensor:
            entities.append(DoorSensor(coordinator, lock.id))
        return entities

    add_entities_for_locks(
        entry.runtime_data.coordinator, async_add_entities, entities_for
    )


class BatteryLowSensor(LockbookingEntity, BinarySensorEntity):
    """On when the vendor says the lock's battery is critical."""

    _attr_device_class = BinarySensorDeviceClass.BATTERY
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "battery_critical"

    def __init__(self, coordinator: LockCoordinator, lock_id: str) -> None:
        """Attach to the lock's device."""
        super().__init__(coordinator, lock_id, "battery_critical")

    @property
    def is_on(self) -> bool | None:
        """Whether the battery is critical."""
        return self.reported_lock.status.battery_critical


class KeypadBatteryLowSensor(LockbookingEntity, BinarySensorEntity):
    """On when the lock's keypad reports a critical battery: guests cannot type codes."""

    _attr_device_class = BinarySensorDeviceClass.BATTERY
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "keypad_battery_critical"

    def __init__(self, coordinator: LockCoordinator, lock_id: str) -> None:
        """Attach to the lock's device (the keypad has none of its own)."""
        super().__init__(coordinator, lock_id, "keypad_battery_critical")

    @property
    def is_on(self) -> bool | None:
        """Whether the keypad's battery is critical."""
        return self.reported_lock.status.keypad_battery_critical


class DoorSensor(LockbookingEntity, BinarySensorEntity):
    """On when the lock's door sensor says the door is open; unknown while it cannot tell."""

    _attr_device_class = BinarySensorDeviceClass.DOOR
    _attr_translation_key = "door"

    def __init__(self, coordinator: LockCoordinator, lock_id: str) -> None:
        """Attach to the lock's device."""
        super().__init__(coordinator, lock_id, "door")

    @property
    def is_on(self) -> bool | None:
        """Whether the door is open."""
        return self.reported_lock.status.door_open
