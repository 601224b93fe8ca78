"""Recurring events expanded into their occurrences within a horizon, bounded.

A calendar used as a source of stays may repeat one (a weekly cleaner's slot, a yearly
family week). Each occurrence becomes its own stay, named by `stamp()` of its start so
that its uid stays the same from one read to the next and an override (RECURRENCE-ID)
replaces it. Rules recurring more often than daily are refused, and the occurrences
walked through per rule are capped, so a rule from year 1900 cannot burn the CPU.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
import re

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from .ics_events import EventFields, Moment, Unreadable, moment_key, stamp

# Occurrences walked through per rule from its (fast-forwarded) start: 5 years of
# daily ones. A rule needing more (a COUNT from long ago) is unreadable.
MAX_STEPS = 2_000
_UNTIL = re.compile(r"(?:^|;)UNTIL=([0-9TZ]+)", re.IGNORECASE)
_FREQ = re.compile(r"(?:^|;)FREQ=([A-Z]+)", re.IGNORECASE)
_INTERVAL = re.compile(r"(?:^|;)INTERVAL=(\d{1,6})(?:;|$)", re.IGNORECASE)
_PERIODS: dict[str, timedelta | relativedelta] = {
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
    "MONTHLY": relativedelta(months=1),
    "YEARLY": relativedelta(years=1),
}


def occurrences(
    event: EventFields, horizon: tuple[datetime, datetime]
) -> list[EventFields]:
    """Expand a series into its occurrences that meet the horizon.

    Those are the ones ending after the horizon's start and starting before its end.
    Raises `Unreadable` for a rule that cannot be read or recurs more often than daily.
    """
    assert event.start is not None
    assert event.end is not None
    start, end = event.start, event.end
    length = moment_key(end) - moment_key(start)
    if not isinstance(start, datetime):
        length = max(length, timedelta(days=1))  # a whole day, as for a single event
    firsts = (
        _rule_starts(event.rrule, start, horizon, length) if event.rrule else [start]
    )
    excluded = {stamp(moment) for moment in event.exdates}
    seen: set[str] = set()
    found: list[EventFields] = []
    for first in [*firsts, *event.rdates]:
        name = stamp(first)
        if name in excluded or name in seen or type(first) is not type(start):
            continue
        seen.add(name)
        begins = _at(first, horizon[0].tzinfo)
        ends = begins + length
        if begins >= horizon[1] or ends < horizon[0] or (ends == horizon[0] and length):
            continue
        found.append(
            replace(
                event, start=first, end=_plus(first, end, start), recurrence_id=name,
                rrule=None, rdates=(), exdates=(),
            )
        )  # fmt: skip
    return found


def _at(moment: Moment, zone: tzinfo | None) -> datetime:
    """Place a moment to compare with the horizon: dates and floating times in its zone."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return datetime(moment.year, moment.month, moment.day, tzinfo=zone)


def _plus(first: Moment, end: Moment, start: Moment) -> Moment:
    if (
        isinstance(first, datetime)
        and isinstance(end, datetime)
        and isinstance(start, datetime)
    ):
        # Wall-clock length: a 16:00-11:00 stay stays so across a change of offset.
        return first + (end.replace(tzinfo=None) - start.replace(tzinfo=None))
    return first + (end - start)  # type: ignore[operator]


def _rule_starts(
    rule: str, start: Moment, horizon: tuple[datetime, datetime], length: timedelta
) -> list[Moment]:
    freq = _FREQ.search(rule)
    if freq is None or freq.group(1).upper() not in _PERIODS:
        raise Unreadable("RRULE recurs more often than daily, or has no FREQ")
    is_date = not isinstance(start, datetime)
    first = start if isinstance(start, datetime) else datetime.combine(start, time())
    until = _until(rule, first)
    # DTSTART is the first occurrence, whether the rule matches it or not (unless
    # the rule ends before it).
    starts: list[Moment] = [start] if until is None or first <= until else []
    rule = _UNTIL.sub("", rule).strip(";")
    first = _fast_forward(rule, first, freq.group(1).upper(), horizon[0] - length)
    try:
        series = rrulestr(rule, dtstart=first, ignoretz=True)
    except (ValueError, TypeError, OverflowError) as err:
        raise Unreadable("RRULE cannot be read") from err
    limit = horizon[1] if first.tzinfo else horizon[1].replace(tzinfo=None)
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


def _fast_forward(
    rule: str, first: datetime, freq: str, earliest: datetime
) -> datetime:
    """Move a series' start by whole periods to just before `earliest`, if that is safe.

    A rule without COUNT (which counts from the real start) or BYSETPOS, started years
    ago, repeats the same pattern every INTERVAL periods: starting a whole number of
    them later gives the same occurrences from then on. The new start itself may not
    match the rule's BY parts, so it is kept two periods before anything we keep.
    """
    upper = rule.upper()
    if "COUNT=" in upper or "BYSETPOS=" in upper or first.day > 28:
        return first
    interval = int(match.group(1)) if (match := _INTERVAL.search(rule)) else 1
    if not 0 < interval <= 1000:
        return first
    target = earliest if first.tzinfo else earliest.replace(tzinfo=None)
    if first.tzinfo and target.tzinfo:
        target = target.astimezone(first.tzinfo)
    period = _PERIODS[freq] * interval
    if isinstance(period, timedelta):  # DAILY, WEEKLY
        skip = (target - first).days // period.days - 2
    else:
        months = (target.year - first.year) * 12 + target.month - first.month
        skip = months // (period.years * 12 + period.months) - 2
    if skip <= 0:
        return first
    return first + period * skip


def _until(rule: str, first: datetime) -> datetime | None:
    """Read a rule's UNTIL in the series' own terms: a date-only one is that day's start.

    (In UTC for a zoned series.)

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
            return datetime.combine(day, time(), tzinfo=UTC if first.tzinfo else None)
        moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError as err:
        raise Unreadable("RRULE's UNTIL cannot be read") from err
    if value.endswith("Z"):
        utc = moment.replace(tzinfo=UTC)
        return (
            utc.astimezone(first.tzinfo) if first.tzinfo else utc.replace(tzinfo=None)
        )
    return moment.replace(tzinfo=first.tzinfo)
