"""The same feed read with `icalendar`, the library Rental Control reads booking feeds with.

It walks the VEVENTs as Rental Control does (`Calendar.from_ical`, then each event's
DTSTART/DTEND combined with the check-in and check-out times) and builds the very
reservations lockbooking builds, through lockbooking's own `make_reservation`, so the
two readers can be compared like for like and checked to agree.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
import hashlib

import icalendar

from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations.feed import make_reservation


def read_with_icalendar(
    ics: str, tz: tzinfo, checkin: time, checkout: time
) -> list[Reservation]:
    """Every VEVENT as a reservation, sorted by check-in like `parse_feed`'s."""
    reservations = []
    for event in icalendar.Calendar.from_ical(ics).walk("VEVENT"):
        start_value = event["DTSTART"].dt
        end_value = event["DTEND"].dt if "DTEND" in event else start_value
        if isinstance(start_value, datetime):
            start, end = _in_zone(start_value, tz), _in_zone(end_value, tz)
            if end == start:
                end = datetime.combine(
                    start.date() + timedelta(days=1), checkout, tzinfo=tz
                )
        else:
            end_day: date = (
                end_value
                if end_value > start_value
                else start_value + timedelta(days=1)
            )
            start = datetime.combine(start_value, checkin, tzinfo=tz)
            end = datetime.combine(end_day, checkout, tzinfo=tz)
        summary = str(event.get("SUMMARY", "")).strip()
        uid = (
            str(event.get("UID", "")).strip()
            or hashlib.sha256(
                f"{summary}|{start_value.isoformat()}".encode()
            ).hexdigest()[:32]
        )
        description = event.get("DESCRIPTION")
        reservations.append(
            make_reservation(
                uid,
                summary,
                start,
                end,
                str(description) if description is not None else None,
            )
        )
    reservations.sort(key=lambda res: (res.start, res.end, res.uid))
    return reservations


def _in_zone(value: datetime, tz: tzinfo) -> datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
