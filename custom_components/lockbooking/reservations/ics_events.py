"""A fast reader for the small part of iCalendar that booking feeds use.

Why it exists (issue #6): a 5,000-event Airbnb-style feed took ~4.5 s in `parse_feed`
on Home Assistant 2025.4.4's `ical` 9.1.0, most of it in its pyparsing content-line
grammar, and ~0.45 s on `ical` 13.2.0; `icalendar` 7 takes ~0.85 s. Airbnb regenerates
DTSTAMP on every export, so conditional requests rarely spare the parse: this cost is
paid on every refresh. Booking feeds are flat lists of all-day or plainly timed events,
which a few string operations read in a fraction of that time.

`ical` stays the reference and the fallback: `read_events` returns None, meaning "let
ical read it", for anything outside the subset below or that ical would reject or read
differently (on either release), so the fast path never decides anything ical would
not. What it reads, `feed.parse_feed` turns into stays with the same code as ical's
events.

The subset: a VCALENDAR holding PRODID, VERSION, CALSCALE, METHOD and X- properties and
VEVENTs only (no VTIMEZONE, VALARM or any other component); in a VEVENT only UID,
SUMMARY, DESCRIPTION, DTSTAMP (UTC), DTSTART, DTEND, ORGANIZER without parameters,
each at most once, and X- properties; DTSTART/DTEND as DATE (`20260908`, `VALUE=DATE`) or DATE-TIME (UTC with
`Z`, floating, or in an IANA `TZID`) of the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
import re
from zoneinfo import ZoneInfo

type Moment = date | datetime


@dataclass(frozen=True, slots=True)
class EventFields:
    """What a stay is made of, read from one VEVENT by either reader.

    `end` is the event's effective end as ical computes it: DTEND, or without one the
    start itself for a date-time and the next day for a date.
    """

    uid: str | None
    summary: str | None
    description: str | None
    start: Moment | None
    end: Moment | None
    recurrence_id: str | None = None


# A content line's name and parameters, up to the first ':' outside a quoted value.
_HEAD = re.compile(
    r'[A-Z0-9-]+(?:;[A-Z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*:'
)
# The parameters this reader accepts: one plain or quoted ASCII token each.
_PARAM = re.compile(r';([A-Z0-9-]+)=(?:"([\w/+.\- ]+)"|([\w/+.\-]+))', re.ASCII)
# Value characters both ical releases accept alike: 9.1.0 refuses most characters
# beyond the Basic Multilingual Plane, 13.2.0 refuses DEL, both refuse C0 controls.
_VALUE = re.compile("[\t\x20-\x7e\x80-\ud7ff\ue000-\uffff]*")
_ESCAPE = re.compile(r"\\(.?)", re.DOTALL)
_UNESCAPED = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}
# ical unescapes by successive replaces, so it reads an escaped backslash before
# `n`, `N`, `;` or `,` as a second escape; RFC 5545 does not.
_AMBIGUOUS = re.compile(r"(?<!\\)(?:\\\\)+[;,nN]")
_DATE = re.compile(r"\d{8}", re.ASCII)
_DATE_TIME = re.compile(r"(\d{8})T(\d{6})(Z?)", re.ASCII)

_CALENDAR_PROPERTIES = frozenset({"PRODID", "VERSION", "CALSCALE", "METHOD"})
_TEXT_PROPERTIES = frozenset({"UID", "SUMMARY", "DESCRIPTION"})
_READ = _TEXT_PROPERTIES | {"DTSTART", "DTEND"}


def read_events(prepared: str) -> list[EventFields] | None:
    """Read the events of a feed cleaned by `feed._prepare`; None lets ical read it.

    `prepared` is one VCALENDAR with upper-case names, CRLF line ends and folded
    continuation lines, as `_prepare` writes it.
    """
    lines = prepared.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
    if lines[0] != "BEGIN:VCALENDAR" or lines[-2:] != ["END:VCALENDAR", ""]:
        return None
    events: list[EventFields] = []
    calendar_seen: set[str] = set()
    event: dict[str, tuple[str, str]] | None = None
    for line in lines[1:-2]:
        if line == "BEGIN:VEVENT" and event is None:
            event = {}
            continue
        if line == "END:VEVENT" and event is not None:
            fields = _event(event)
            if fields is None:
                return None
            events.append(fields)
            event = None
            continue
        prop = _property(line)
        if prop is None:
            return None
        name, params, value = prop
        if name.startswith("X-"):
            if params:
                return None
        elif event is not None:
            if name not in event and name in _READ:
                event[name] = (params, value)
            elif name == "DTSTAMP" and name not in event and not params:
                if not _utc_stamp(value):
                    return None
                event[name] = (params, value)
            elif name == "ORGANIZER" and name not in event and not params:
                # Booking.com names itself in every event; ical takes any plain value.
                event[name] = (params, value)
            else:
                return None  # another component, a repeat, or a property not read here
        elif name in _CALENDAR_PROPERTIES and name not in calendar_seen:
            if params and name != "PRODID":
                return None
            calendar_seen.add(name)
        else:
            return None
    return events if event is None else None


def _property(line: str) -> tuple[str, str, str] | None:
    """Split a content line into name, raw parameters and value; None if unsure."""
    head = _HEAD.match(line)
    if head is None:
        return None
    value = line[head.end() :]
    if _VALUE.fullmatch(value) is None:
        return None
    name, sep, params = head.group()[:-1].partition(";")
    params = sep + params
    if _PARAM.sub("", params):
        return None  # a parameter this reader does not take as safe
    return name, params, value


def _event(props: dict[str, tuple[str, str]]) -> EventFields | None:
    """Type one VEVENT's fields; None if ical might read it otherwise."""
    texts: dict[str, str | None] = dict.fromkeys(_TEXT_PROPERTIES)
    for name in _TEXT_PROPERTIES & props.keys():
        params, value = props[name]
        # ical 9.1.0 (pyparsing) expands tabs to spaces, 13.2.0 keeps them.
        if params or "\t" in value or (text := unescape(value)) is None:
            return None
        texts[name] = text
    description = texts["DESCRIPTION"]
    if description is not None and description.startswith(" "):
        return None  # ical 9.1.0 strips a value's leading blanks, 13.2.0 keeps them
    if "DTSTART" not in props:
        return None
    start = _moment(*props["DTSTART"])
    end = _moment(*props["DTEND"]) if "DTEND" in props else start
    if start is None or end is None or not _same_kind(start, end):
        return None
    if "DTEND" not in props and not isinstance(start, datetime):
        if start == date.max:
            return None  # ical raises OverflowError on the day after
        end = start + timedelta(days=1)
    return EventFields(texts["UID"], texts["SUMMARY"], description, start, end)


def unescape(value: str) -> str | None:
    """Unescape a TEXT value as RFC 5545 says; None where ical would differ."""
    if "\\" not in value:
        return value
    if _AMBIGUOUS.search(value):
        return None
    for match in _ESCAPE.finditer(value):
        if match.group(1) not in _UNESCAPED:
            return None  # `\:`, a lone backslash at the end, …: ical keeps them
    return _ESCAPE.sub(lambda match: _UNESCAPED[match.group(1)], value)


def _moment(params: str, value: str) -> Moment | None:
    """Read a DATE or DATE-TIME value and its VALUE/TZID; None if not plain."""
    found = _PARAM.findall(params)
    names = [name for name, _, _ in found]
    if len(set(names)) != len(names) or not set(names) <= {"VALUE", "TZID"}:
        return None
    given = {name: quoted or plain for name, quoted, plain in found}
    kind, tzid = given.get("VALUE"), given.get("TZID")
    try:
        if _DATE.fullmatch(value) and kind in (None, "DATE") and tzid is None:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if (match := _DATE_TIME.fullmatch(value)) and kind in (None, "DATE-TIME"):
            day, clock, utc = match.groups()
            zone: tzinfo | None = UTC if utc else None
            if tzid is not None and (utc or (zone := _zone(tzid)) is None):
                return None
            return datetime(
                int(day[:4]), int(day[4:6]), int(day[6:]),
                int(clock[:2]), int(clock[2:4]), int(clock[4:]),
                tzinfo=zone,
            )  # fmt: skip
    except ValueError:
        return None  # not a calendar date or time: ical refuses it
    return None


def _same_kind(start: Moment, end: Moment) -> bool:
    """Tell whether both are dates, or date-times both floating or both aware."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        return (start.tzinfo is None) == (end.tzinfo is None)
    return not isinstance(start, datetime) and not isinstance(end, datetime)


def _utc_stamp(value: str) -> bool:
    """Tell whether a DTSTAMP is a valid UTC date-time, the only kind read here."""
    match = _DATE_TIME.fullmatch(value)
    return bool(match and match.group(3) and _moment("", value) is not None)


@lru_cache(maxsize=32)
def _zone(tzid: str) -> ZoneInfo | None:
    """Look a TZID up as ical does (zoneinfo first); None if that fails."""
    try:
        return ZoneInfo(tzid)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None
