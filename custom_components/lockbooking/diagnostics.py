"""Diagnostics for a lockbooking entry, with every secret redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .coordinator import LockbookingConfigEntry

TO_REDACT = {
    "access_token",
    "api_token",
    "client_id",
    "client_secret",
    "code",
    "pin",
    "token",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LockbookingConfigEntry
) -> dict[str, Any]:
    """The entry's settings and the account's locks as last reported."""
    coordinator = entry.runtime_data.coordinator
    return async_redact_data(
        {
            "entry": {
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "last_update_success": coordinator.last_update_success,
            "locks": [asdict(lock) for lock in coordinator.data.values()],
        },
        TO_REDACT,
    )
