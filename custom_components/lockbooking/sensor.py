"""Battery level sensors."""

from __future__ import annotations

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
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
    """Add a battery sensor for every lock that reports a battery level."""

    def entities_for(
        coordinator: LockCoordinator, lock: Lock
    ) -> list[LockbookingEntity]:
        return (
            [BatterySensor(coordinator, lock.id)]
            if lock.capabilities.battery_level
            else []
        )

    add_entities_for_locks(
        entry.runtime_data.coordinator, async_add_entities, entities_for
    )


class BatterySensor(LockbookingEntity, SensorEntity):
    """A lock's battery charge in percent."""

    _attr_device_class = SensorDeviceClass.BATTERY
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, coordinator: LockCoordinator, lock_id: str) -> None:
        """Attach to the lock's device."""
        super().__init__(coordinator, lock_id, "battery")

    @property
    def native_value(self) -> int | None:
        """The last battery level the vendor heard."""
        return self.reported_lock.status.battery_level
