"""Time zones as feeds write them: IANA, Windows / Exchange, `UTC+hh`, custom VTIMEZONEs.

`ZoneResolver` turns a TZID into a tzinfo, in this order: a feed's own VTIMEZONE when
its TZID is not an IANA name (Exchange's "Customized Time Zone"), the IANA zone, the
Windows zone name mapped to IANA by CLDR's table (`tzlocal.windows_tz`), a fixed
`UTC±hh[:mm]` offset (also as Windows' display name "(UTC+01:00) Amsterdam, …"), and
finally the feed's X-WR-TIMEZONE or the caller's zone; each fallback leaves a note.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
import re
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from tzlocal.windows_tz import win_tz

# Transitions of a custom zone are worked out from and up to these years (open-ended
# yearly rules only); earlier and later dates keep the first and last offsets.
_FIRST_YEAR = 1970
_LAST_YEAR = 2100
_MAX_TRANSITIONS = 1000
_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})(\d{2})?", re.ASCII)
_UTC_FORM = re.compile(
    r"\(?(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?\)?(?:\s.*)?",
    re.ASCII | re.I,
)
_LOCAL = re.compile(r"(\d{8})T(\d{6})Z?", re.ASCII | re.I)
_UNTIL = re.compile(r";?UNTIL=([0-9TZtz]+)", re.I)


@lru_cache(maxsize=256)
def iana_zone(name: str) -> ZoneInfo | None:
    """Load the IANA zone of that name, or None."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


def known_zone(name: str) -> tuple[tzinfo | None, str | None]:
    """Read a TZID without the feed's help: the zone, and a note if it was a guess."""
    name = name.strip().strip('"').strip()
    if (zone := iana_zone(name)) is not None:
        return zone, None
    if (windows := win_tz.get(name)) and (zone := iana_zone(windows)) is not None:
        return zone, None
    if (match := _UTC_FORM.fullmatch(name)) is not None:
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        if offset < timedelta(hours=15):
            fixed = timezone(-offset if sign == "-" else offset) if offset else UTC
            return fixed, f"TZID {name[:64]!r} read as the fixed offset {fixed}"
    return None, None


class ZoneResolver:
    """TZIDs of one feed, with its VTIMEZONEs and its fallback zone."""

    def __init__(
        self,
        vtimezones: Mapping[str, list[tuple[str, list[str]]]],
        calendar_zone: str | None,
        default: tzinfo,
    ) -> None:
        """`vtimezones`: TZID -> its observances (kind, property lines)."""
        self._vtimezones = vtimezones
        self._cache: dict[str, tzinfo] = {}
        self.notes: list[str] = []
        self.floating: tzinfo | None = None
        self.default = default
        if calendar_zone:
            zone, _ = known_zone(calendar_zone)
            if zone is None:
                self.notes.append(
                    f"X-WR-TIMEZONE {calendar_zone[:64]!r} is not a known zone"
                )
            self.floating = zone
        self._fallback = self.floating or default

    def zone(self, tzid: str) -> tzinfo:
        """Resolve the zone a TZID stands for; never fail (the fallback is noted)."""
        tzid = tzid.strip().strip('"').strip()
        if (cached := self._cache.get(tzid)) is not None:
            return cached
        zone, note = (None, None) if iana_zone(tzid) else self._custom(tzid)
        if note:
            self.notes.append(note)
        if zone is None:
            zone, note = known_zone(tzid)
        if zone is None:
            zone = self._fallback
            where = "X-WR-TIMEZONE" if self.floating else "Home Assistant's time zone"
            note = f"TZID {tzid[:64]!r} is not defined: read in {zone} ({where})"
        if note:
            self.notes.append(note)
        self._cache[tzid] = zone
        return zone

    def _custom(self, tzid: str) -> tuple[tzinfo | None, str | None]:
        observances = self._vtimezones.get(tzid)
        if not observances:
            return None, None
        zone = custom_zone(tzid, observances)
        return zone, None if zone else f"VTIMEZONE {tzid[:64]!r} cannot be read"


def custom_zone(tzid: str, observances: list[tuple[str, list[str]]]) -> tzinfo | None:
    """Build a zone from a VTIMEZONE's STANDARD / DAYLIGHT parts; None if unreadable."""
    return _custom_zone(
        tzid, tuple((kind, tuple(lines)) for kind, lines in observances)
    )


@lru_cache(maxsize=32)
def _custom_zone(
    tzid: str, observances: tuple[tuple[str, tuple[str, ...]], ...]
) -> tzinfo | None:
    transitions: list[tuple[datetime, timedelta, timedelta, bool]] = []
    for kind, lines in observances:
        props = _props(lines)
        try:
            start = _local(props["DTSTART"][0])
            before = _offset(props["TZOFFSETFROM"][0])
            after = _offset(props["TZOFFSETTO"][0])
        except (KeyError, IndexError, ValueError):
            continue
        onsets = [start]
        for rule in props.get("RRULE", [])[:1]:
            onsets = _expand(rule, start, before)
        for rdate in props.get("RDATE", []):
            for value in rdate.split(","):
                try:
                    onsets.append(_local(value))
                except ValueError:
                    continue
        transitions += [
            (onset - before, before, after, kind == "DAYLIGHT") for onset in onsets
        ]
    if not transitions:
        return None
    return _CustomZone(tzid, sorted(transitions[: _MAX_TRANSITIONS * 2]))


def _props(lines: Iterable[str]) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {}
    for line in lines:
        head, sep, value = line.partition(":")
        if sep:
            props.setdefault(head.split(";", 1)[0].upper(), []).append(value.strip())
    return props


def _local(value: str) -> datetime:
    match = _LOCAL.fullmatch(value.strip())
    if match is None:
        raise ValueError(value)
    return datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")


def _offset(value: str) -> timedelta:
    match = _OFFSET.fullmatch(value.strip())
    if match is None:
        raise ValueError(value)
    sign, hours, minutes, seconds = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    if delta >= timedelta(hours=24):
        raise ValueError(value)
    return -delta if sign == "-" else delta


def _expand(rule: str, start: datetime, before: timedelta) -> list[datetime]:
    """List a yearly rule's onsets (wall clock before each) from `start` to _LAST_YEAR.

    A UTC UNTIL (`…Z`, as full-history zones write it) is turned into that wall
    clock; `dateutil` would refuse it with a floating DTSTART.
    """
    until = datetime(_LAST_YEAR, 1, 1)
    if match := _UNTIL.search(rule):
        try:
            until = min(
                until,
                _local(match.group(1))
                + (before if match.group(1).upper().endswith("Z") else timedelta(0)),
            )
        except ValueError:
            return [start]
        rule = rule[: match.start()] + rule[match.end() :]
    elif (
        "COUNT=" not in rule.upper()
        and "FREQ=YEARLY" in rule.upper()
        and start.year < _FIRST_YEAR
    ):
        # Exchange starts its yearly rules in 1601: walk from a year that matters.
        start = start.replace(year=_FIRST_YEAR, day=min(start.day, 28))
    onsets: list[datetime] = []
    try:
        for onset in rrulestr(rule.strip(";"), dtstart=start):
            if onset > until or len(onsets) >= _MAX_TRANSITIONS:
                break
            onsets.append(onset)
    except (ValueError, TypeError, OverflowError):
        return [start]
    return onsets or [start]


class _CustomZone(tzinfo):
    """A zone defined by its transitions (UTC instant, offset before, after, is DST)."""

    def __init__(
        self, name: str, transitions: list[tuple[datetime, timedelta, timedelta, bool]]
    ) -> None:
        self._name = name[:64]
        self._utc = [moment for moment, _, _, _ in transitions]
        # Wall-clock onsets, in the offset in force before each one.
        self._wall = [moment + before for moment, before, _, _ in transitions]
        self._after = [(after, dst) for _, _, after, dst in transitions]
        first_before = transitions[0][1]
        self._standard = next(
            (after for _, _, after, dst in transitions if not dst), first_before
        )
        self._first = (first_before, False)

    def _at_wall(self, dt: datetime) -> tuple[timedelta, bool]:
        index = bisect_right(self._wall, dt.replace(tzinfo=None))
        return self._after[index - 1] if index else self._first

    def utcoffset(self, dt: datetime | None) -> timedelta:
        """Return the offset in force at a wall-clock time."""
        return self._at_wall(dt)[0] if dt is not None else self._standard

    def dst(self, dt: datetime | None) -> timedelta:
        """Return the daylight-saving shift at a wall-clock time."""
        if dt is None:
            return timedelta(0)
        offset, dst = self._at_wall(dt)
        return offset - self._standard if dst else timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        """Return the VTIMEZONE's TZID."""
        return self._name

    def fromutc(self, dt: datetime) -> datetime:
        """Convert a UTC time to this zone's wall clock."""
        index = bisect_right(self._utc, dt.replace(tzinfo=None))
        offset = self._after[index - 1][0] if index else self._first[0]
        return dt + offset

    def __repr__(self) -> str:
        return f"<VTIMEZONE {self._name}>"
