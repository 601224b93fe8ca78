"""Diagnostics for a lockbooking entry, with every secret and guest detail redacted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .code_record import CodeRecord
from .const import CONF_LOCKS
from .coordinator import LockbookingConfigEntry
from .ledger import LEDGER
from .locks import lock_id_in
from .reservations.runtime import ReservationsConfigEntry, ReservationsRuntime

TO_REDACT = {
    "access_token",
    "api_token",
    # A Nuki Bluetooth pairing: whoever has these opens the lock.
    "auth_id",
    "security_pin",
    "shared_key",
    "client_id",
    "client_secret",
    "code",
    "on_lock_code",
    "pin",
    "token",
    # A booking feed's address is a secret: whoever has it reads the calendar.
    "url",
    # Where the hardware is: a UniFi console's host, a Nuki lock's Bluetooth MAC, and
    # the lock keys (account id, host or MAC, and the lock's id) that name them.
    "address",
    "host",
    "locks",
}
# What a ledger record or a reservation says about the guest, and the record's lock key.
GUEST_DETAILS = {
    "code",
    "on_lock_code",
    "description",
    "lock_key",
    "name",
    "phone_last4",
    "reference",
    "summary",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LockbookingConfigEntry | ReservationsConfigEntry
) -> dict[str, Any]:
    """Describe an account's locks, or a reservations entry's stays, and their codes."""
    settings = async_redact_data(
        {"data": dict(entry.data), "options": dict(entry.options)}, TO_REDACT
    )
    if isinstance(entry.runtime_data, ReservationsRuntime):
        coordinator = entry.runtime_data.coordinator
        reservations = list((coordinator.data or {}).values())
        uids = {reservation.uid for reservation in reservations}
        lock_keys = set(entry.data.get(CONF_LOCKS, []))
        return {
            "entry": settings,
            "last_update_success": coordinator.last_update_success,
            "reservations": [
                async_redact_data(
                    {
                        **asdict(reservation),
                        "start": reservation.start.isoformat(),
                        "end": reservation.end.isoformat(),
                    },
                    GUEST_DETAILS,
                )
                for reservation in reservations
            ],
            "codes": _codes(hass, lambda r: r.uid in uids and r.lock_key in lock_keys),
            # What the last read of the feed could not read, guessed, or set aside.
            "skipped_events": [asdict(event) for event in coordinator.skipped],
            "time_zone_notes": list(coordinator.notes),
            "closures": [
                async_redact_data(
                    {
                        **asdict(closure),
                        "start": closure.start.isoformat(),
                        "end": closure.end.isoformat(),
                    },
                    GUEST_DETAILS,
                )
                for closure in coordinator.closures
            ],
        }
    account = entry.runtime_data.coordinator
    return {
        "entry": settings,
        "last_update_success": account.last_update_success,
        "locks": [asdict(lock) for lock in account.data.values()],
        "codes": _codes(
            hass, lambda r: lock_id_in(entry.unique_id, r.lock_key) is not None
        ),
    }


def _codes(
    hass: HomeAssistant, wanted: Callable[[CodeRecord], bool]
) -> list[dict[str, Any]]:
    """List the ledger's records that belong to the entry, without codes or guest names."""
    return [
        async_redact_data(asdict(record), GUEST_DETAILS)
        for record in hass.data[LEDGER].records()
        if wanted(record)
    ]
