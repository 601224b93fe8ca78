"""The same feed read with `icalendar` (and `recurring-ical-events` for series).

The reference of the differential test (`tests/reservations/test_differential.py`) and
of `make bench`: it walks the VEVENTs as Rental Control does (`Calendar.from_ical`,
then each event's start and end combined with the check-in and check-out times) and
builds the very reservations lockbooking builds, through lockbooking's own
`make_reservation`, so the two readers can be compared like for like. Where the two
must agree on a policy rather than on reading — an event `icalendar` cannot read is
skipped, floating times are in X-WR-TIMEZONE, a series is expanded over the horizon,
a stay cannot last longer than `MAX_DURATION` — the policy is written out here again,
independently of our reader's code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
import hashlib
import re
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations.feed import (
    _unique_uids,
    make_reservation,
)
from custom_components.lockbooking.reservations.ics_events import MAX_DURATION


def read_with_icalendar(
    ics: str,
    tz: tzinfo,
    checkin: time,
    checkout: time,
    *,
    horizon: tuple[datetime, datetime] | None = None,
) -> list[Reservation]:
    """Every readable VEVENT as a reservation, sorted by check-in like `parse_feed`'s."""
    calendars = icalendar.Calendar.from_ical(ics, multiple=True)
    if horizon is None:
        now = datetime.now(UTC)
        horizon = (now - timedelta(days=2), now + timedelta(days=400))
    reservations: list[Reservation] = []
    for calendar in calendars:
        floating = _calendar_zone(calendar) or tz
        events = list(calendar.walk("VEVENT"))
        series = {
            str(ev.get("UID", "")) for ev in events if "RRULE" in ev or "RDATE" in ev
        }
        # recurring-ical-events swaps a series' start and end when it ends before it
        # starts; the policy is to skip such an event, series or not.
        backwards = {
            str(ev.get("UID", ""))
            for ev in events
            if "DTEND" in ev
            and "DTSTART" in ev
            and _key(ev["DTEND"].dt) < _key(ev["DTSTART"].dt)
        }
        for event in events:
            if str(event.get("UID", "")) in series:
                continue
            if (
                res := _reservation(event, tz, floating, checkin, checkout, None)
            ) is not None:
                reservations.append(res)
        if series:
            occurrences = recurring_ical_events.of(calendar).between(*horizon)
            for occurrence in occurrences:
                if str(occurrence.get("UID", "")) not in series - backwards:
                    continue
                recurrence = occurrence["RECURRENCE-ID"].dt
                res = _reservation(
                    occurrence, tz, floating, checkin, checkout, recurrence
                )
                if res is not None:
                    reservations.append(res)
    reservations.sort(key=lambda res: (res.start, res.end, res.uid))
    # The same rule for events sharing a UID: a policy, not a reading.
    return _unique_uids(reservations)


def _key(moment: date) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def _calendar_zone(calendar: icalendar.Calendar) -> tzinfo | None:
    name = calendar.get("X-WR-TIMEZONE")
    if name is None:
        return None
    try:
        return ZoneInfo(str(name))
    except (KeyError, ValueError):
        return None


def _reservation(
    event: icalendar.Event,
    tz: tzinfo,
    floating: tzinfo,
    checkin: time,
    checkout: time,
    recurrence: date | None,
) -> Reservation | None:
    """One event as a stay, or None where it cannot be read."""
    try:
        start_value = _dt(event["DTSTART"], floating)
        if "DTEND" in event:
            end_value = _dt(event["DTEND"], floating)
        elif "DURATION" in event:
            duration = event["DURATION"].dt
            if duration > MAX_DURATION or duration < timedelta(0):
                return None
            end_value = start_value + (
                duration
                if isinstance(start_value, datetime)
                else timedelta(days=duration.days)
            )
        else:
            end_value = start_value
    except (KeyError, AttributeError, ValueError, TypeError):
        return None
    if isinstance(start_value, datetime) != isinstance(end_value, datetime):
        return None
    if isinstance(start_value, datetime):
        start, end = (
            _in_zone(start_value, tz, floating),
            _in_zone(end_value, tz, floating),
        )
        if end < start:
            return None
        if end == start:
            end = datetime.combine(
                start.date() + timedelta(days=1), checkout, tzinfo=tz
            )
    else:
        if end_value < start_value:
            return None
        end_day: date = (
            end_value if end_value > start_value else start_value + timedelta(days=1)
        )
        start = datetime.combine(start_value, checkin, tzinfo=tz)
        end = datetime.combine(end_day, checkout, tzinfo=tz)
    summary = str(event.get("SUMMARY", "")).strip()
    uid = (
        str(event.get("UID", "")).strip()
        or hashlib.sha256(f"{summary}|{start_value.isoformat()}".encode()).hexdigest()[
            :32
        ]
    )
    if recurrence is not None:
        uid = f"{uid}#{_stamp(recurrence)}"
    elif "RECURRENCE-ID" in event:
        uid = f"{uid}#{_stamp(event['RECURRENCE-ID'].dt)}"
    description = event.get("DESCRIPTION")
    try:
        return make_reservation(
            uid,
            summary,
            start,
            end,
            str(description) if description is not None else None,
        )
    except Exception:  # out of range: not a stay either reader keeps
        return None


def _dt(prop: Any, floating: tzinfo) -> date:
    """Read a property's value; icalendar leaves a TZID it does not know floating.

    Our policy for those: `UTC±hh[:mm]` is that offset (Windows' meaning), any other
    unknown TZID falls back on X-WR-TIMEZONE, then the caller's zone.
    """
    value = prop.dt
    tzid = prop.params.get("TZID")
    if isinstance(value, datetime) and value.tzinfo is None and tzid:
        match = re.fullmatch(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?(\d{2}))?", str(tzid))
        if match:
            offset = timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
            return value.replace(
                tzinfo=timezone(-offset if match[1] == "-" else offset)
            )
        return value.replace(tzinfo=floating)
    return value


def _stamp(moment: date) -> str:
    if not isinstance(moment, datetime):
        return moment.strftime("%Y%m%d")
    if moment.tzinfo is None:
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _in_zone(value: datetime, tz: tzinfo, floating: tzinfo) -> datetime:
    return (
        value.replace(tzinfo=floating).astimezone(tz)
        if value.tzinfo is None
        else value.astimezone(tz)
    )
