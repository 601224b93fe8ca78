"""What a reservations entry keeps at run time, and the typed entry."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .arrivals import ArrivalWatcher
from .coordinator import ReservationsCoordinator
from .scheduler import CodeScheduler


@dataclass(slots=True)
class ReservationsRuntime:
    """What a reservations entry keeps at run time."""

    coordinator: ReservationsCoordinator
    scheduler: CodeScheduler
    arrivals: ArrivalWatcher


type ReservationsConfigEntry = ConfigEntry[ReservationsRuntime]
