"""Recurring events expanded into their occurrences within a horizon, bounded.

A calendar used as a source of stays may repeat one (a weekly cleaner's slot, a yearly
family week). Each occurrence becomes its own stay, named by `stamp()` of its start so
that its uid stays the same from one read to the next and an override (RECURRENCE-ID)
replaces it. Rules recurring more often than daily are refused, and the occurrences
walked through per rule are capped, so a rule from year 1900 cannot burn the CPU.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
import re

from dateutil.rrule import rrulestr

from .ics_events import EventFields, Moment, Unreadable, _key, stamp

# Occurrences walked through per rule, from its first: 60 years of daily ones.
MAX_STEPS = 22_000
_UNTIL = re.compile(r"(?:^|;)UNTIL=([0-9TZ]+)", re.IGNORECASE)
_FREQ = re.compile(r"(?:^|;)FREQ=([A-Z]+)", re.IGNORECASE)


def occurrences(
    event: EventFields, horizon: tuple[datetime, datetime]
) -> list[EventFields]:
    """A series' occurrences ending after the horizon's start and starting before its end.

    Raises `Unreadable` for a rule that cannot be read or recurs more often than daily.
    """
    assert event.start is not None and event.end is not None
    start, end = event.start, event.end
    length = _key(end) - _key(start)
    firsts = _rule_starts(event.rrule, start, horizon[1]) if event.rrule else [start]
    excluded = {stamp(moment) for moment in event.exdates}
    seen: set[str] = set()
    found: list[EventFields] = []
    for first in [*firsts, *event.rdates]:
        name = stamp(first)
        if name in excluded or name in seen or type(first) is not type(start):
            continue
        seen.add(name)
        if _key(first) + length <= horizon[0] or _key(first) >= horizon[1]:
            continue
        found.append(
            replace(
                event, start=first, end=_plus(first, end, start), recurrence_id=name,
                rrule=None, rdates=(), exdates=(),
            )
        )  # fmt: skip
    return found


def _plus(first: Moment, end: Moment, start: Moment) -> Moment:
    if isinstance(first, datetime) and isinstance(end, datetime) and isinstance(start, datetime):
        # Wall-clock length: a 16:00-11:00 stay stays so across a change of offset.
        return first + (end.replace(tzinfo=None) - start.replace(tzinfo=None))
    return first + (end - start)  # type: ignore[operator]


def _rule_starts(rule: str, start: Moment, until_at_most: datetime) -> list[Moment]:
    freq = _FREQ.search(rule)
    if freq is None or freq.group(1).upper() not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise Unreadable("RRULE recurs more often than daily, or has no FREQ")
    is_date = not isinstance(start, datetime)
    first = datetime.combine(start, time()) if is_date else start
    until = _until(rule, first)
    rule = _UNTIL.sub("", rule).strip(";")
    try:
        series = rrulestr(rule, dtstart=first, ignoretz=True)
    except (ValueError, TypeError, OverflowError) as err:
        raise Unreadable("RRULE cannot be read") from err
    starts: list[Moment] = []
    limit = until_at_most if first.tzinfo else until_at_most.replace(tzinfo=None)
    try:
        for step, moment in enumerate(series):
            if step >= MAX_STEPS:
                raise Unreadable(f"RRULE walks more than {MAX_STEPS} occurrences")
            if (until is not None and moment > until) or moment >= limit:
                break
            starts.append(moment.date() if is_date else moment)
    except Unreadable:
        raise
    except (ValueError, OverflowError) as err:
        raise Unreadable("RRULE cannot be read") from err
    return starts


def _until(rule: str, first: datetime) -> datetime | None:
    """A rule's UNTIL in the series' own terms: a date-only one is that day's start.

    (A date-time series with a date UNTIL breaks RFC 5545; this is how `icalendar`
    and `recurring-ical-events` read it, and `dateutil` refuses it outright.)
    """
    match = _UNTIL.search(rule)
    if match is None:
        return None
    value = match.group(1).upper()
    try:
        if len(value) == 8:
            day = date(int(value[:4]), int(value[4:6]), int(value[6:]))
            return datetime.combine(day, time(), tzinfo=first.tzinfo)
        moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError as err:
        raise Unreadable("RRULE's UNTIL cannot be read") from err
    if value.endswith("Z"):
        utc = moment.replace(tzinfo=UTC)
        return utc.astimezone(first.tzinfo) if first.tzinfo else utc.replace(tzinfo=None)
    return moment.replace(tzinfo=first.tzinfo)
