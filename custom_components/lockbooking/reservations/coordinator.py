"""Reservations of one entry: read from a booking feed or a calendar, kept safely.

A fetch that fails, or comes back empty while stays were known, changes nothing. A
stay counts as cancelled only after it has been missing from consecutive good
fetches, and only while it has not ended (feeds drop past stays on their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
import hashlib
from typing import TYPE_CHECKING

from homeassistant.components.calendar import CalendarEvent
from homeassistant.components.calendar.const import DATA_COMPONENT
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..const import (
    CONF_CALENDAR,
    CONF_CHECKIN,
    CONF_CHECKOUT,
    CONF_REFRESH_MINUTES,
    CONF_SKIP_PATTERNS,
    CONF_URL,
    DEFAULT_CHECKIN,
    DEFAULT_CHECKOUT,
    DEFAULT_OPTIONS,
    DOMAIN,
    LOGGER,
)
from ..models import Reservation
from .feed import (
    DEFAULT_BLOCK_PATTERNS,
    FeedError,
    async_fetch_feed,
    is_blocked,
    parse_feed,
    phone_last4,
)

if TYPE_CHECKING:
    from .scheduler import CodeScheduler

MISSES_TO_CANCEL = 2
CALENDAR_HORIZON = timedelta(days=400)


@dataclass(slots=True)
class ReservationsRuntime:
    """What a reservations entry keeps at run time."""

    coordinator: ReservationsCoordinator
    scheduler: CodeScheduler


type ReservationsConfigEntry = ConfigEntry[ReservationsRuntime]


def option(entry: ConfigEntry, key: str) -> object:
    """An option's value, or its default."""
    return entry.options.get(key, DEFAULT_OPTIONS.get(key))


class ReservationsCoordinator(DataUpdateCoordinator[dict[str, Reservation]]):
    """Keeps the entry's reservations, keyed by uid, sorted by check-in."""

    config_entry: ReservationsConfigEntry

    def __init__(self, hass: HomeAssistant, entry: ReservationsConfigEntry) -> None:
        """Refresh at the entry's interval."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(minutes=int(option(entry, CONF_REFRESH_MINUTES))),  # type: ignore[call-overload]
        )
        self.checkin = time.fromisoformat(entry.data.get(CONF_CHECKIN, DEFAULT_CHECKIN))
        self.checkout = time.fromisoformat(entry.data.get(CONF_CHECKOUT, DEFAULT_CHECKOUT))
        self._etag: str | None = None
        self._last_modified: str | None = None
        self._misses: dict[str, int] = {}
        self.cancelled: list[Reservation] = []

    async def _async_update_data(self) -> dict[str, Reservation]:
        known = self.data or {}
        self.cancelled = []
        try:
            fetched = await self._async_read()
        except FeedError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=err.key,
                translation_placeholders={"detail": err.detail},
            ) from err
        if fetched is None:
            return known
        patterns = self.config_entry.options.get(CONF_SKIP_PATTERNS, DEFAULT_BLOCK_PATTERNS)
        present = {r.uid: r for r in fetched if not is_blocked(r.summary, patterns)}
        if not present and known:
            LOGGER.warning(
                "%s: the reservations came back empty; keeping the %d known ones",
                self.config_entry.title,
                len(known),
            )
            return known
        now = dt_util.utcnow()
        for uid in present:
            self._misses.pop(uid, None)
        for uid, reservation in known.items():
            if uid in present or reservation.end <= now:
                continue
            misses = self._misses.get(uid, 0) + 1
            if misses >= MISSES_TO_CANCEL:
                self._misses.pop(uid, None)
                self.cancelled.append(reservation)
            else:
                self._misses[uid] = misses
                present[uid] = reservation
        return dict(sorted(present.items(), key=lambda item: (item[1].start, item[0])))

    async def _async_read(self) -> list[Reservation] | None:
        """The source's reservations; None when the feed has not changed."""
        if url := self.config_entry.data.get(CONF_URL):
            fetch = await async_fetch_feed(
                self.hass, url, etag=self._etag, last_modified=self._last_modified
            )
            if fetch.body is None:
                return None
            reservations = await self.hass.async_add_executor_job(
                parse_feed, fetch.body, dt_util.get_default_time_zone(), self.checkin, self.checkout
            )
            # Only a feed that parsed may skip the next parse.
            self._etag, self._last_modified = fetch.etag, fetch.last_modified
            return reservations
        return await self._async_read_calendar(self.config_entry.data[CONF_CALENDAR])

    async def _async_read_calendar(self, entity_id: str) -> list[Reservation]:
        component = self.hass.data.get(DATA_COMPONENT)
        calendar = component.get_entity(entity_id) if component else None
        if calendar is None:
            raise FeedError("feed_unreachable", entity_id)
        now = dt_util.now()
        events = await calendar.async_get_events(self.hass, now - timedelta(days=2), now + CALENDAR_HORIZON)
        return [self._from_event(event) for event in events]

    def _from_event(self, event: CalendarEvent) -> Reservation:
        start = _moment(event.start, self.checkin)
        end = _moment(event.end, self.checkout)
        if end <= start:
            end = _moment(start.date() + timedelta(days=1), self.checkout)
        uid = event.uid or hashlib.sha256(
            f"{event.summary}|{start.date().isoformat()}".encode()
        ).hexdigest()[:32]
        return Reservation(
            uid=uid,
            summary=(event.summary or "").strip(),
            start=start,
            end=end,
            description=event.description,
            phone_last4=phone_last4(event.description),
        )


def _moment(value: date | datetime, day_time: time) -> datetime:
    tz = dt_util.get_default_time_zone()
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value, day_time, tzinfo=tz)
