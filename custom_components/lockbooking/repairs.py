"""Repair flows: the host lets a held burst of new codes through."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult

from .reservations.runtime import ReservationsRuntime


class LiftNewCodeCapFlow(ConfirmRepairFlow):
    """Confirm, and the entry's next run issues every due code."""

    def __init__(self, entry_id: str) -> None:
        """Act on one reservations entry."""
        super().__init__()
        self._entry_id = entry_id

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Lift the hold once the host confirms."""
        if user_input is not None:
            entry = self.hass.config_entries.async_get_entry(self._entry_id)
            if entry is not None and entry.state is ConfigEntryState.LOADED:
                runtime: ReservationsRuntime = entry.runtime_data
                runtime.scheduler.async_lift_cap()
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Give the flow of a fixable lockbooking repair."""
    entry_id = str((data or {}).get("entry_id", ""))
    return LiftNewCodeCapFlow(entry_id)
