"""Lock entities for the locks that can be locked or unlocked remotely."""

from __future__ import annotations

from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityFeature
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import DOMAIN
from .coordinator import LockbookingConfigEntry, LockCoordinator
from .entity import LockbookingEntity, add_entities_for_locks
from .errors import vendor_action
from .models import Lock, LockState

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LockbookingConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a lock entity for every lock with remote control."""

    def entities_for(
        coordinator: LockCoordinator, lock: Lock
    ) -> list[LockbookingEntity]:
        return (
            [LockbookingLock(coordinator, lock)]
            if lock.capabilities.remote_control
            else []
        )

    add_entities_for_locks(
        entry.runtime_data.coordinator, async_add_entities, entities_for
    )


class LockbookingLock(LockbookingEntity, LockEntity):
    """A remotely controlled lock; its name is the device's."""

    _attr_name = None

    def __init__(self, coordinator: LockCoordinator, lock: Lock) -> None:
        """Set features from the lock's capabilities."""
        super().__init__(coordinator, lock.id, "lock")
        if lock.capabilities.open:
            self._attr_supported_features = LockEntityFeature.OPEN
        self._attr_assumed_state = not lock.capabilities.reports_state
        self._moving_to: LockState | None = None

    @property
    def _state(self) -> LockState | None:
        if self._moving_to is not None:
            return self._moving_to
        return (
            self.reported_lock.status.state
            if self.reported_lock.capabilities.reports_state
            else None
        )

    @property
    def is_locked(self) -> bool | None:
        """Whether the bolt is thrown; None when the lock cannot say."""
        state = self._state
        if state is None or state in (LockState.LOCKING, LockState.UNLOCKING):
            return None
        return state is LockState.LOCKED

    @property
    def is_locking(self) -> bool:
        """Whether the lock is locking."""
        return self._state is LockState.LOCKING

    @property
    def is_unlocking(self) -> bool:
        """Whether the lock is unlocking."""
        return self._state is LockState.UNLOCKING

    @property
    def is_opening(self) -> bool:
        """Whether the lock is unlatching."""
        return self._state is LockState.OPENING

    @property
    def is_open(self) -> bool:
        """Whether the door is unlatched."""
        return self._state is LockState.OPEN

    @property
    def is_jammed(self) -> bool:
        """Whether the motor is blocked."""
        return self._state is LockState.JAMMED

    @callback
    def _handle_coordinator_update(self) -> None:
        self._moving_to = None
        super()._handle_coordinator_update()

    def _refuse(self, action: str) -> ServiceValidationError:
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=f"{action}_not_supported",
            translation_placeholders={"lock": self.reported_lock.name},
        )

    def _show_moving(self, state: LockState) -> None:
        self._moving_to = state
        self.async_write_ha_state()

    @vendor_action
    async def async_lock(self, /, **kwargs: Any) -> None:
        """Lock, or say clearly that this lock cannot be locked remotely."""
        if not self.reported_lock.capabilities.remote_lock:
            raise self._refuse("lock")
        self._show_moving(LockState.LOCKING)
        await self.coordinator.vendor.async_lock(self.reported_lock)

    @vendor_action
    async def async_unlock(self, /, **kwargs: Any) -> None:
        """Unlock."""
        if not self.reported_lock.capabilities.remote_unlock:
            raise self._refuse("unlock")
        self._show_moving(LockState.UNLOCKING)
        await self.coordinator.vendor.async_unlock(self.reported_lock)

    @vendor_action
    async def async_open(self, /, **kwargs: Any) -> None:
        """Unlatch the door."""
        self._show_moving(LockState.OPENING)
        await self.coordinator.vendor.async_open(self.reported_lock)
