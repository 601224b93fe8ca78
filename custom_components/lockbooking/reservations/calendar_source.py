"""A Home Assistant calendar as a source of stays, instead of a booking feed.

Events are read over the same horizon as a feed's; an all-day event gets the entry's
check-in and check-out times, and one without a uid gets one made from its summary
and first day, the same from one read to the next.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
import hashlib

from homeassistant.components.calendar import CalendarEvent
from homeassistant.components.calendar.const import DATA_COMPONENT
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..models import Reservation
from .feed import clip_summary, make_reservation
from .feed_fetch import FeedError

CALENDAR_HORIZON = timedelta(days=400)
CALENDAR_LOOKBACK = timedelta(days=2)


async def async_read_calendar(
    hass: HomeAssistant, entity_id: str, checkin: time, checkout: time
) -> list[Reservation]:
    """Read the calendar's events as stays; FeedError when it is not there."""
    component = hass.data.get(DATA_COMPONENT)
    calendar = component.get_entity(entity_id) if component else None
    if calendar is None:
        raise FeedError("feed_unreachable", entity_id)
    now = dt_util.now()
    events = await calendar.async_get_events(
        hass, now - CALENDAR_LOOKBACK, now + CALENDAR_HORIZON
    )
    return [_stay(event, checkin, checkout) for event in events]


def _stay(event: CalendarEvent, checkin: time, checkout: time) -> Reservation:
    try:
        start = _moment(event.start, checkin)
        end = _moment(event.end, checkout)
        if end <= start:
            end = _moment(start.date() + timedelta(days=1), checkout)
    except OverflowError as err:
        raise FeedError("feed_malformed", "dates out of range") from err
    summary = clip_summary(event.summary)
    uid = (
        event.uid
        or hashlib.sha256(f"{summary}|{start.date().isoformat()}".encode()).hexdigest()[
            :32
        ]
    )
    return make_reservation(uid, summary, start, end, event.description)


def _moment(value: date | datetime, day_time: time) -> datetime:
    tz = dt_util.get_default_time_zone()
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value, day_time, tzinfo=tz)
