"""Booking feeds: fetch an iCal feed over HTTP and read its events as reservations.

`async_fetch_feed` is I/O only (conditional, size-capped, typed errors); `parse_feed` is
pure and synchronous, meant to run in the executor (`hass.async_add_executor_job`)
because large feeds take a while to parse and `ical` loads its parsers lazily. Booking
feeds are read by the fast reader in `ics_events`; `ical` reads whatever it leaves.

Every failure is a `FeedError`: the caller keeps its last good reservations on any of
them, so garbage must raise and never come back as an empty list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
import hashlib
import logging
import re
from typing import Literal

import aiohttp
from ical.calendar_stream import IcsCalendarStream
from yarl import URL

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..models import Reservation
from .ics_events import EventFields, read_events

_LOGGER = logging.getLogger(__name__)

MAX_FEED_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=30)
_CHUNK_BYTES = 64 * 1024

type FeedErrorKey = Literal[
    "feed_http_error",
    "feed_timeout",
    "feed_too_large",
    "feed_malformed",
    "feed_unreachable",
]


class FeedError(Exception):
    """A feed could not be fetched or read; `key` names a translated message."""

    def __init__(self, key: FeedErrorKey, detail: str = "") -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key: FeedErrorKey = key
        self.detail = detail


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """One fetch's outcome: `body` is None when the server answered 304 Not Modified."""

    body: str | None
    etag: str | None
    last_modified: str | None


# ---------------------------------------------------------------------------- fetch


def feed_url(url: str) -> str:
    """The HTTP(S) address of a feed: calendar apps hand out `webcal://` links."""
    scheme, sep, rest = url.strip().partition("://")
    if sep and scheme.lower() in ("webcal", "webcals"):
        return f"https://{rest}"
    return url.strip()


def feed_host(url: str) -> str:
    """The host of a feed, the most a log line may say: the path often holds a token."""
    try:
        return URL(url).host or "?"
    except ValueError:
        return "?"


async def async_fetch_feed(
    hass: HomeAssistant,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_FEED_BYTES,
) -> FeedFetch:
    """Fetch a feed, conditionally when a previous ETag / Last-Modified is given."""
    url = feed_url(url)
    host = feed_host(url)
    headers: dict[str, str] = {}
    if etag:
        headers[aiohttp.hdrs.IF_NONE_MATCH] = etag
    if last_modified:
        headers[aiohttp.hdrs.IF_MODIFIED_SINCE] = last_modified
    session = async_get_clientsession(hass)
    try:
        async with session.get(url, headers=headers, timeout=FETCH_TIMEOUT) as resp:
            _LOGGER.debug("Feed from %s: HTTP %s", host, resp.status)
            new_etag = resp.headers.get(aiohttp.hdrs.ETAG) or etag
            new_modified = resp.headers.get(aiohttp.hdrs.LAST_MODIFIED) or last_modified
            if resp.status == 304:
                return FeedFetch(None, new_etag, new_modified)
            if not 200 <= resp.status < 300:
                # Redirects are followed before this: a 3xx here is a dead end too.
                raise FeedError("feed_http_error", f"HTTP {resp.status} from {host}")
            _check_content_length(resp.headers.get(aiohttp.hdrs.CONTENT_LENGTH), max_bytes)
            body = await read_capped(resp.content, max_bytes)
    except TimeoutError as err:  # before ClientError: ServerTimeoutError is both
        raise FeedError("feed_timeout", host) from err
    except aiohttp.ClientError as err:
        raise FeedError("feed_unreachable", f"{host}: {type(err).__name__}") from err
    return FeedFetch(body.decode("utf-8", errors="replace"), new_etag, new_modified)


def _check_content_length(value: str | None, max_bytes: int) -> None:
    """Refuse up front a body the server announces as too large."""
    if value is not None and value.strip().isdigit() and int(value) > max_bytes:
        raise FeedError("feed_too_large", f"{value} bytes announced")


async def read_capped(stream: aiohttp.StreamReader, max_bytes: int) -> bytes:
    """Read a body chunk by chunk, refusing it as soon as it passes `max_bytes`.

    Content-Length may be absent (chunked transfer) or wrong, and a compressed body
    grows on the way in: only counting what arrives bounds the memory used.
    """
    body = bytearray()
    async for chunk in stream.iter_chunked(_CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            raise FeedError("feed_too_large", f"over {max_bytes} bytes")
    return bytes(body)


# ---------------------------------------------------------------------------- parse

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NAME = re.compile(r"[A-Za-z0-9-]+(?=[;:])")
# `[\s:]*`, not `\s*:?\s*`: two adjacent optional runs backtrack quadratically.
_PHONE_LAST4 = re.compile(
    r"phone\s*number\s*\(\s*last\s*4\s*digits?\s*\)[\s:]*(\d{4})(?!\d)", re.IGNORECASE
)
_ONCE_PER_CALENDAR = ("PRODID", "VERSION")

# What a stay may hold. Summaries are matched against block patterns in the event
# loop and texts travel in events and the ledger: a feed must not make them huge.
MAX_SUMMARY_CHARS = 200
MAX_DESCRIPTION_CHARS = 2000
MAX_UID_CHARS = 255
# Lead times and margins are added to these dates: year 1 or 9999 would overflow.
EARLIEST_STAY = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_STAY = datetime(3000, 1, 1, tzinfo=UTC)


def parse_feed(
    ics: str, tz: tzinfo, checkin: time, checkout: time, *, fast: bool = True
) -> list[Reservation]:
    """Read a feed's events as reservations, sorted by check-in; blocking, pure.

    All-day events (the booking platforms' way) run from their first day at `checkin`
    to their exclusive end day at `checkout`, in `tz`. Timed events keep their times
    (floating ones are taken in `tz`). An end equal to the start (Airbnb exports some
    one-night stays with DTSTART == DTEND) or a missing end means one night. Recurring
    events are taken as written, not expanded: booking feeds do not repeat stays.

    The events are read by `ics_events.read_events` when the feed keeps to what it
    reads, by `ical` otherwise (always with `fast=False`, the reference for tests);
    everything after reading is the same code for both.

    Raises `FeedError("feed_malformed")` on anything that is not a whole VCALENDAR;
    a valid calendar without events gives `[]`.
    """
    try:
        text, vevents = _prepare(ics)
        events = read_events(text) if fast else None
        if events is None:
            events = _ical_events(text)
        # ical drops what it does not recognise (9.1.0 skips a lower-case
        # `begin:vevent`): fewer events than written would silently cancel stays.
        if len(events) != vevents:
            raise FeedError(
                "feed_malformed", f"{vevents} events written, {len(events)} read"
            )
        reservations = [_reservation(ev, tz, checkin, checkout) for ev in events]
    except FeedError:
        raise
    except Exception as err:
        # A feed is someone else's text: whatever it makes ical or the date arithmetic
        # raise (CalendarParseError, pydantic errors, OverflowError on year 9999, …)
        # must reach the caller as the one typed error it handles.
        raise FeedError("feed_malformed", type(err).__name__) from err
    reservations.sort(key=lambda res: (res.start, res.end, res.uid))
    return _unique_uids(reservations)


def _prepare(ics: str) -> tuple[str, int]:
    """Clean what ical refuses or gets wrong; return the text and its VEVENT count.

    Line by line (folded continuations kept with their property): property and
    component names upper-cased (they are case-insensitive), a repeated PRODID or
    VERSION dropped (both ical 9 and 13 reject the calendar), an empty UID added to a
    VEVENT without one (ical would invent a random one, and a uid must be stable), and
    the structure checked: one VCALENDAR, nothing outside it, every BEGIN ended (ical
    returns an empty calendar for a truncated file or an HTML page).
    """
    out: list[str] = []
    stack: list[str] = []
    seen_once: set[str] = set()
    closed = False
    skipping = False
    vevents = 0
    has_uid = False
    for line in _LINE_BREAK.split(ics.removeprefix("\ufeff")):
        if not line.strip():
            continue
        if line[0] in " \t":
            if not out:
                raise FeedError("feed_malformed", "continuation line first")
            if not skipping:
                out.append(line)
            continue
        skipping = False
        match = _NAME.match(line)
        if match is None or closed:
            raise FeedError("feed_malformed", "not an iCalendar line")
        name = match.group().upper()
        line = name + line[match.end() :]
        if name in ("BEGIN", "END"):
            component = line[len(name) + 1 :].strip().upper()
            line = f"{name}:{component}"
            if name == "BEGIN":
                if (not stack) != (component == "VCALENDAR"):
                    raise FeedError("feed_malformed", f"unexpected BEGIN:{component}")
                stack.append(component)
                if stack == ["VCALENDAR", "VEVENT"]:
                    vevents += 1
                    has_uid = False
            else:
                if not stack or stack[-1] != component:
                    raise FeedError("feed_malformed", f"unexpected END:{component}")
                if stack == ["VCALENDAR", "VEVENT"] and not has_uid:
                    out.append("UID:")
                stack.pop()
                closed = not stack
        elif not stack:
            raise FeedError("feed_malformed", "content outside VCALENDAR")
        elif len(stack) == 1 and name in _ONCE_PER_CALENDAR:
            if name in seen_once:
                skipping = True
                continue
            seen_once.add(name)
        elif name == "UID" and stack == ["VCALENDAR", "VEVENT"]:
            has_uid = True
        out.append(line)
    if not closed:
        raise FeedError("feed_malformed", "no complete VCALENDAR")
    return "\r\n".join(out) + "\r\n", vevents


def _ical_events(text: str) -> list[EventFields]:
    """Read the events with `ical`: the reference, and the reader of the rest."""
    return [
        EventFields(
            uid=ev.uid,
            summary=ev.summary,
            description=ev.description,
            start=ev.dtstart,
            end=ev.end if ev.dtstart is not None else None,
            recurrence_id=ev.recurrence_id,
        )
        for ev in IcsCalendarStream.calendar_from_ics(text).events
    ]


def _reservation(
    event: EventFields, tz: tzinfo, checkin: time, checkout: time
) -> Reservation:
    """One event as a stay."""
    if event.start is None or event.end is None:
        raise FeedError("feed_malformed", "event without DTSTART")
    start_value, end_value = event.start, event.end
    if isinstance(start_value, datetime):
        if not isinstance(end_value, datetime):
            raise FeedError("feed_malformed", "date-time start with date end")
        start, end = _in_zone(start_value, tz), _in_zone(end_value, tz)
        if end < start:
            raise FeedError("feed_malformed", "event ends before it starts")
        if end == start:
            end = datetime.combine(start.date() + timedelta(days=1), checkout, tzinfo=tz)
    else:
        if isinstance(end_value, datetime):
            raise FeedError("feed_malformed", "date start with date-time end")
        if end_value < start_value:
            raise FeedError("feed_malformed", "event ends before it starts")
        if end_value == start_value:
            end_value = start_value + timedelta(days=1)
        start = datetime.combine(start_value, checkin, tzinfo=tz)
        end = datetime.combine(end_value, checkout, tzinfo=tz)
    summary = clip_summary(event.summary)
    return make_reservation(
        _uid(event, summary, start_value), summary, start, end, event.description
    )


def clip_summary(summary: str | None) -> str:
    """Strip a summary and clip it to MAX_SUMMARY_CHARS, as stays keep it."""
    return (summary or "").strip()[:MAX_SUMMARY_CHARS].rstrip()


def make_reservation(
    uid: str, summary: str, start: datetime, end: datetime, description: str | None
) -> Reservation:
    """Build a stay from an event's parts, bounded so nothing downstream chokes on it.

    Texts are clipped, an overlong uid is replaced by its digest (still stable), and
    dates outside EARLIEST_STAY..LATEST_STAY raise `FeedError("feed_malformed")`.
    """
    if start < EARLIEST_STAY or end > LATEST_STAY:
        raise FeedError("feed_malformed", "dates out of range")
    description = description[:MAX_DESCRIPTION_CHARS] if description else None
    if len(uid) > MAX_UID_CHARS:
        uid = hashlib.sha256(uid.encode()).hexdigest()
    return Reservation(
        uid=uid,
        summary=clip_summary(summary),
        start=start,
        end=end,
        description=description,
        phone_last4=phone_last4(description),
    )


def _in_zone(value: datetime, tz: tzinfo) -> datetime:
    """A date-time in `tz`; a floating one is taken as already there."""
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


def _uid(event: EventFields, summary: str, start: date) -> str:
    """The event's UID, or one derived from what identifies it when the feed has none."""
    uid = (event.uid or "").strip()
    if not uid:
        key = f"{summary}|{start.isoformat()}"
        uid = hashlib.sha256(key.encode()).hexdigest()[:32]
    if event.recurrence_id:
        # A modified occurrence shares its series' UID; keep the two apart.
        uid = f"{uid}#{event.recurrence_id}"
    return uid


def _unique_uids(reservations: list[Reservation]) -> list[Reservation]:
    """Tell apart events that share a UID, by their start: a uid must name one stay."""
    seen: set[str] = set()
    unique: list[Reservation] = []
    for res in reservations:
        uid = res.uid
        if uid in seen:
            uid = f"{res.uid}#{res.start:%Y%m%dT%H%M}"
            count = 1
            while uid in seen:
                count += 1
                uid = f"{res.uid}#{res.start:%Y%m%dT%H%M}-{count}"
            res = Reservation(
                uid, res.summary, res.start, res.end, res.description, res.phone_last4
            )
        seen.add(uid)
        unique.append(res)
    return unique


def phone_last4(description: str | None) -> str | None:
    """The guest's last four phone digits from Airbnb's description line, if any."""
    if not description:
        return None
    match = _PHONE_LAST4.search(description)
    return match.group(1) if match else None


def without_phone_digits(description: str | None) -> str | None:
    """Drop the guest's phone digits from a description: they may be a door code."""
    if not description or _PHONE_LAST4.search(description) is None:
        return description
    # The line that held them goes, the description's other blank lines stay.
    lines = _PHONE_LAST4.sub("\0", description).splitlines()
    kept = (line for line in lines if line.replace("\0", "").strip() or "\0" not in line)
    return "\n".join(kept).replace("\0", "").strip() or None


# ---------------------------------------------------------------------------- blocks

DEFAULT_BLOCK_PATTERNS: tuple[str, ...] = (
    # Airbnb: "Airbnb (Not available)" (and the older bare "Not available"), but not
    # Booking.com's "CLOSED - Not available", which is how it exports every booking.
    r"^\s*(airbnb\s*\(\s*)?not\s+available\s*\)?\s*$",
    # Vrbo: owner blocks are "Blocked"; its bookings are "Reserved".
    r"^\s*blocked\s*$",
)


def is_blocked(summary: str, patterns: Sequence[str]) -> bool:
    """Whether an event is the host's own block rather than a guest's stay.

    Patterns are regular expressions searched anywhere in the summary, ignoring case
    (anchor them with ^…$ to match a whole summary); one that is not a valid regular
    expression is taken as a plain substring.
    """
    return any(_pattern(pattern).search(summary) for pattern in patterns)


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(pattern), re.IGNORECASE)
