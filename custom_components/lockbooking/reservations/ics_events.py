"""Read one VEVENT's lines (from `ics_scan`) into the fields a stay is made of.

Why our own reader (issues #6 and #21): `ical` 9.1.0, Home Assistant 2025.4's, took
~4.5 s for a 5,000-event Airbnb feed and 37 s for one property with 80,000 parameters,
refuses a whole calendar for one bad event, and reads Exchange's time zones, merged
feeds and date-only UNTILs differently from `ical` 13. Booking feeds use a small part
of iCalendar, read here with string operations, linear in the input, the same on every
Home Assistant release: UID, SUMMARY, DESCRIPTION (RFC 5545 unescaping, parameters
ignored), DTSTART, DTEND or DURATION, RECURRENCE-ID, RRULE, RDATE and EXDATE. Every
other property and every nested component (VALARM, …) is ignored.

An event that cannot be read raises `Unreadable` with a short reason in English (it
reaches the repair and the diagnostics): the feed's other events are still read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
import re

from .ics_zones import ZoneResolver

type Moment = date | datetime

# A real property has a handful of parameters; a hostile one, tens of thousands.
MAX_PARAMS = 16
# Longer than any stay: a DURATION past this is a typo or an attack.
MAX_DURATION = timedelta(days=3660)
# Dates a stay may fall on: lead times and margins are added to them later.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)

_PARAM = re.compile(
    r';([A-Za-z0-9-]{1,64})=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)'
)
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)", re.ASCII)
_DURATION = re.compile(
    r"([+-]?)P(?:(\d{1,6})W|(?:(\d{1,6})D)?(?:T(?:(\d{1,7})H)?(?:(\d{1,9})M)?(?:(\d{1,11})S)?)?)",
    re.ASCII,
)
_ESCAPE = re.compile(r"\\([\\;,nN])")
_UNESCAPED = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}
_TEXT = ("UID", "SUMMARY", "DESCRIPTION")
# A property's name, as the scan leaves it (upper case, followed by ';' or ':').
_NAME = re.compile(r"[A-Z0-9-]+(?=[;:])")
_NO_PARAMS: dict[str, str] = {}


class Unreadable(ValueError):
    """An event this reader cannot turn into a stay; `reason` says why, in short."""

    def __init__(self, reason: str) -> None:
        """Keep the reason, which is the message too."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class EventFields:
    """What a stay is made of, read from one VEVENT.

    `end` is DTEND, or DTSTART plus DURATION, or without either the start itself for
    a date-time and the next day for a date. `recurrence_id` is `stamp()` of the
    occurrence an override replaces; `rrule`, `rdates` and `exdates` describe a series.
    """

    uid: str | None
    summary: str | None
    description: str | None
    start: Moment | None
    end: Moment | None
    recurrence_id: str | None = None
    rrule: str | None = None
    rdates: tuple[Moment, ...] = ()
    exdates: tuple[Moment, ...] = ()


def split_property(line: str) -> tuple[str, dict[str, str], str]:
    """Split a content line into name, parameters (first of each, unquoted) and value."""
    head = _NAME.match(line)
    name_end = head.end() if head else len(line)
    name, pos = line[:name_end], name_end
    params: dict[str, str] = {}
    count = 0
    while pos < len(line) and line[pos] == ";":
        match = _PARAM.match(line, pos)
        count += 1
        if match is None or count > MAX_PARAMS:
            raise Unreadable(
                f"{name} has more than {MAX_PARAMS} parameters"
                if match is not None
                else f"{name} has a parameter that cannot be read"
            )
        params.setdefault(match.group(1).upper(), match.group(2).strip('"'))
        pos = match.end()
    if pos >= len(line) or line[pos] != ":":
        raise Unreadable(f"{name} has no value")
    return name, params, line[pos + 1 :]


def unescape(value: str) -> str:
    """Unescape a TEXT value as RFC 5545 says; other backslashes are kept."""
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda match: _UNESCAPED[match.group(1)], value)


def read_event(lines: list[str], zones: ZoneResolver) -> EventFields:
    """One event's fields; raises `Unreadable`."""
    first: dict[str, tuple[dict[str, str], str]] = {}
    rdates: list[Moment] = []
    exdates: list[Moment] = []
    for line in lines:
        head = _NAME.match(line)
        if head is None or head.group() not in _WANTED:
            continue
        name = head.group()
        if line[head.end()] == ":":
            params, value = _NO_PARAMS, line[head.end() + 1 :]
        else:
            name, params, value = split_property(line)
        if name in ("RDATE", "EXDATE"):
            if params.get("VALUE", "").upper() != "PERIOD":
                moments = (
                    _moment(name, params, part, zones) for part in value.split(",")
                )
                (rdates if name == "RDATE" else exdates).extend(moments)
        else:
            first.setdefault(name, (params, value))
    texts = {
        name: unescape(first[name][1]) if name in first else None for name in _TEXT
    }
    if "DTSTART" not in first:
        raise Unreadable("no DTSTART")
    start = _moment("DTSTART", *first["DTSTART"], zones)
    end = _end(start, first, zones)
    recurrence_id = None
    if "RECURRENCE-ID" in first:
        recurrence_id = stamp(_moment("RECURRENCE-ID", *first["RECURRENCE-ID"], zones))
    rrule = first["RRULE"][1].strip() if "RRULE" in first else None
    return EventFields(
        texts["UID"], texts["SUMMARY"], texts["DESCRIPTION"], start, end,
        recurrence_id, rrule or None, tuple(rdates), tuple(exdates),
    )  # fmt: skip


_WANTED = frozenset(
    {
        *_TEXT,
        "DTSTART",
        "DTEND",
        "DURATION",
        "RECURRENCE-ID",
        "RRULE",
        "RDATE",
        "EXDATE",
    }
)


def _end(
    start: Moment, first: dict[str, tuple[dict[str, str], str]], zones: ZoneResolver
) -> Moment:
    if "DTEND" in first:
        end = _moment("DTEND", *first["DTEND"], zones)
        if isinstance(start, datetime) != isinstance(end, datetime):
            raise Unreadable("DTSTART and DTEND are not both dates or both date-times")
        if (
            isinstance(start, datetime)
            and isinstance(end, datetime)
            and (start.tzinfo is None) != (end.tzinfo is None)
        ):
            # One floating, one not: the end is read in the start's terms.
            end = end.replace(tzinfo=start.tzinfo)
    elif "DURATION" in first:
        duration = parse_duration(first["DURATION"][1])
        if not isinstance(start, datetime):
            duration = timedelta(days=duration.days)
        end = start + duration
    else:
        end = start if isinstance(start, datetime) else start + timedelta(days=1)
    if moment_key(end) < moment_key(start):
        raise Unreadable("ends before it starts")
    return end


def moment_key(moment: Moment) -> datetime:
    """Turn a moment into one to order by: dates at midnight, floating times as in UTC."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def parse_duration(value: str) -> timedelta:
    """Parse an RFC 5545 DURATION; raise `Unreadable` if negative or over MAX_DURATION."""
    match = _DURATION.fullmatch(value.strip())
    if match is None or value.strip() in ("P", "PT", "+P", "-P"):
        raise Unreadable("DURATION cannot be read")
    sign, weeks, days, hours, minutes, seconds = (
        match.group(1), *(int(part or 0) for part in match.groups()[1:])
    )  # fmt: skip
    try:
        duration = timedelta(
            weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds
        )
    except OverflowError as err:
        raise Unreadable("DURATION is too long") from err
    if sign == "-" or duration > MAX_DURATION:
        raise Unreadable("DURATION is negative or too long")
    return duration


def _moment(
    name: str, params: dict[str, str], value: str, zones: ZoneResolver
) -> Moment:
    """Read a DATE or DATE-TIME value with its VALUE and TZID; raise `Unreadable`."""
    value = value.strip()
    kind = params.get("VALUE", "").upper()
    try:
        if kind in ("", "DATE") and (match := _DATE.fullmatch(value)):
            day = date(*map(int, match.groups()))
        elif kind in ("", "DATE-TIME") and (match := _DATE_TIME.fullmatch(value)):
            *parts, utc = match.groups()
            year, month, day_of_month, hour, minute, second = map(int, parts)
            zone: tzinfo | None = UTC if utc else None
            if not utc and "TZID" in params:
                zone = zones.zone(params["TZID"])
            moment = datetime(
                year, month, day_of_month, hour, minute, second, tzinfo=zone
            )
            if not EARLIEST <= moment.date() <= LATEST:
                raise Unreadable(f"{name} is out of range")
            return moment
        else:
            raise Unreadable(f"{name} cannot be read")
    except ValueError as err:
        if isinstance(err, Unreadable):
            raise
        raise Unreadable(f"{name} is not a calendar date or time") from err
    if not EARLIEST <= day <= LATEST:
        raise Unreadable(f"{name} is out of range")
    return day


def stamp(moment: Moment) -> str:
    """Name an occurrence stably: by its start, in UTC when it has a zone."""
    if not isinstance(moment, datetime):
        return moment.strftime("%Y%m%d")
    if moment.tzinfo is None:
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
