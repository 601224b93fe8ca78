"""The arrivals event entity of a reservations entry: guests arriving, or not."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import SIGNAL_ARRIVAL
from .reservations.arrivals import ARRIVED, NOT_ARRIVED
from .reservations.coordinator import device_info
from .reservations.runtime import ReservationsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReservationsConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the entry's arrivals entity."""
    async_add_entities([ArrivalEvent(entry)])


class ArrivalEvent(EventEntity):
    """The last guest who arrived (first used a code), or was warned about."""

    _attr_has_entity_name = True
    _attr_translation_key = "arrival"
    _attr_should_poll = False

    def __init__(self, entry: ReservationsConfigEntry) -> None:
        """One per reservations entry, on the entry's calendar device."""
        self._entry_id = entry.entry_id
        self._attr_event_types = [ARRIVED, NOT_ARRIVED]
        self._attr_unique_id = f"{entry.entry_id}_arrival"
        self._attr_device_info = device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Listen for the entry's arrival news."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_ARRIVAL.format(self._entry_id), self._handle_arrival
            )
        )

    @callback
    def _handle_arrival(self, event_type: str, data: dict[str, Any]) -> None:
        self._trigger_event(
            event_type, {k: v for k, v in data.items() if k != "entry_id"}
        )
        self.async_write_ha_state()
