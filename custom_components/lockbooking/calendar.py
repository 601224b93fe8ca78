"""The reservations calendar: each stay as a timed event, answered from memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .code_record import CodeRecord, Decider
from .ledger import LEDGER
from .models import Reservation
from .reservations.coordinator import ReservationsCoordinator, device_info
from .reservations.feed import without_phone_digits
from .reservations.runtime import ReservationsConfigEntry
from .slot_choice import late_notes

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReservationsConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the entry's calendar."""
    async_add_entities([ReservationsCalendar(entry.runtime_data.coordinator)])


@dataclass(frozen=True, slots=True)
class _Shown:
    """The event made for a stay, and what it was made from."""

    reservation: Reservation
    codes_version: int
    event: CalendarEvent


class ReservationsCalendar(CoordinatorEntity[ReservationsCoordinator], CalendarEntity):
    """The stays of one booking feed or calendar, with their door codes' state.

    Never a code, nor the guest's phone digits (which may be one): every user reads
    the calendar, its state attributes and `/api/calendars`, and history keeps them.
    """

    _attr_has_entity_name = True
    _attr_name = None

    def __init__(self, coordinator: ReservationsCoordinator) -> None:
        """One calendar per reservations entry, on a service device of its own."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_unique_id = entry.entry_id
        self._shown: dict[str, _Shown] = {}
        self._attr_device_info = device_info(entry)

    @property
    def available(self) -> bool:
        """Stays known from the last good fetch remain shown while the feed is failing."""
        return self.coordinator.data is not None

    @property
    def event(self) -> CalendarEvent | None:
        """The stay under way, or the next one."""
        now = dt_util.utcnow()
        upcoming = (r for r in self.coordinator.data.values() if r.end > now)
        return next((self._event(r) for r in upcoming), None)

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the stays overlapping the range."""
        events = []
        for reservation in self.coordinator.data.values():  # sorted by check-in
            if reservation.start >= end_date:
                break
            if reservation.end > start_date:
                events.append(self._event(reservation))
        return events

    @callback
    def _handle_coordinator_update(self) -> None:
        """Forget the events of stays that are gone."""
        data = self.coordinator.data
        self._shown = {uid: shown for uid, shown in self._shown.items() if uid in data}
        super()._handle_coordinator_update()

    def _event(self, reservation: Reservation) -> CalendarEvent:
        """Give the stay's event, made again only when the stay or its codes changed.

        Home Assistant validates every CalendarEvent it is given (tens of microseconds
        each), and a calendar trigger or a dashboard asks for the same stays all day.
        """
        version = self.hass.data[LEDGER].version(reservation.uid)
        shown = self._shown.get(reservation.uid)
        if shown is not None and shown.codes_version == version:
            if shown.reservation is reservation:
                return shown.event
            if shown.reservation == reservation:
                # The same stay, parsed again: keep the event, drop the old copy.
                event = shown.event
            else:
                event = self._new_event(reservation)
        else:
            event = self._new_event(reservation)
        self._shown[reservation.uid] = _Shown(reservation, version, event)
        return event

    def _new_event(self, reservation: Reservation) -> CalendarEvent:
        return CalendarEvent(
            start=reservation.start,
            end=reservation.end,
            summary=reservation.summary or "Reserved",
            description=self._description(reservation),
            uid=reservation.uid,
        )

    def _description(self, reservation: Reservation) -> str | None:
        records = self.hass.data[LEDGER].records(
            reservation.uid, self.coordinator.config_entry.entry_id
        )
        lines = [_code_state(record, reservation) for record in records]
        parts = [without_phone_digits(reservation.description) or ""]
        if arrived := min(
            (record.used_at for record in records if record.used_at), default=None
        ):
            parts.append(f"Guest arrived {_arrival_time(arrived, reservation)}")
        if lines:
            parts.append("Door codes:\n" + "\n".join(lines))
        return "\n\n".join(part for part in parts if part) or None


def _code_state(record: CodeRecord, reservation: Reservation) -> str:
    """Give a lock's line: its code's state, who decided it, its window, its first use."""
    line = f"{record.lock_name}: {record.as_dict()['status']}"
    if record.decided_by is Decider.HOST:
        line += " by the host"
    if record.starts and record.ends:
        starts, ends = (
            dt_util.as_local(datetime.fromisoformat(moment))
            for moment in (record.starts, record.ends)
        )
        line += f", {starts:%d %b %H:%M} to {ends:%d %b %H:%M}"
    if record.used_at:
        line += f", used {_arrival_time(record.used_at, reservation)}"
    # A slot lock's code Home Assistant wrote or cleared late (it was not running).
    return ", ".join([line, *late_notes(record.notes)])


def _arrival_time(used_at: str, reservation: Reservation) -> str:
    """Give the local time of a first use, with its date when not the check-in day."""
    moment = dt_util.as_local(datetime.fromisoformat(used_at))
    if moment.date() == dt_util.as_local(reservation.start).date():
        return f"{moment:%H:%M}"
    return f"{moment:%H:%M} on {moment:%Y-%m-%d}"
