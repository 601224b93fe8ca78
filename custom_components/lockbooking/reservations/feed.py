"""Booking feeds: read an iCal feed's events as reservations.

`read_feed` is pure and synchronous, meant to run in the executor
(`hass.async_add_executor_job`) because a large feed takes a while to read. The text is
scanned by `ics_scan` (structure, caps), each event read by `ics_events` (time zones
by `ics_zones`) and recurring ones expanded by `ics_recur`; an event that cannot be
read is skipped and reported, never the whole feed. Fetching the text is
`feed_fetch`'s job; a feed that cannot be read raises its `FeedError` too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
import hashlib
import re
from time import monotonic

from ..models import Reservation
from .feed_fetch import FeedError, FeedErrorKey
from .ics_events import EventFields, Unreadable, read_event, split_property, unescape
from .ics_recur import occurrences
from .ics_scan import ScanError, scan
from .ics_zones import ZoneResolver
from .identity import stay_reference

# `[\s:]*`, not `\s*:?\s*`: two adjacent optional runs backtrack quadratically.
_PHONE_LAST4 = re.compile(
    r"phone\s*number\s*\(\s*last\s*4\s*digits?\s*\)[\s:]*(\d{4})(?!\d)", re.IGNORECASE
)

# What a stay may hold. Summaries are matched against block patterns in the event
# loop and texts travel in events and the ledger: a feed must not make them huge.
MAX_SUMMARY_CHARS = 200
MAX_DESCRIPTION_CHARS = 2000
MAX_UID_CHARS = 255
# Lead times and margins are added to these dates: year 1 or 9999 would overflow.
EARLIEST_STAY = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_STAY = datetime(3000, 1, 1, tzinfo=UTC)
# A feed's reading stops (and the feed is refused) past this: the caps in `ics_scan`,
# `ics_events` and `ics_recur` keep any feed under the size cap well within it.
PARSE_BUDGET_SECONDS = 1.5
# Recurring events are expanded this far around now when the caller gives no horizon.
DEFAULT_HORIZON = (timedelta(days=2), timedelta(days=400))


@dataclass(frozen=True, slots=True)
class SkippedEvent:
    """An event that could not be read: its uid when that much was readable, and why."""

    uid: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class FeedRead:
    """A feed's stays, sorted by check-in, and what could not be read of it."""

    reservations: list[Reservation]
    skipped: tuple[SkippedEvent, ...] = ()
    # Time zones guessed or fallen back on, for the diagnostics.
    notes: tuple[str, ...] = ()


def parse_feed(
    ics: str,
    tz: tzinfo,
    checkin: time,
    checkout: time,
    *,
    horizon: tuple[datetime, datetime] | None = None,
) -> list[Reservation]:
    """Read a feed's stays (see `read_feed`), without what was skipped."""
    return read_feed(ics, tz, checkin, checkout, horizon=horizon).reservations


def read_feed(
    ics: str,
    tz: tzinfo,
    checkin: time,
    checkout: time,
    *,
    horizon: tuple[datetime, datetime] | None = None,
    budget: float = PARSE_BUDGET_SECONDS,
) -> FeedRead:
    """Read a feed's events as reservations; blocking, pure.

    All-day events (the booking platforms' way) run from their first day at `checkin`
    to their exclusive end day at `checkout`, in `tz`. Timed events keep their times;
    floating ones are taken in the feed's X-WR-TIMEZONE, else in `tz`. An end equal to
    the start (Airbnb exports some one-night stays with DTSTART == DTEND) or a missing
    end means one night. A recurring event gives one stay per occurrence within
    `horizon` (by default from 2 days ago to 400 days ahead).

    An event that cannot be read is skipped and listed in `skipped`; the others are
    read. Raises `FeedError` when the text is not whole calendars
    ("feed_malformed"), is too complex to read within the caps and the time budget
    ("feed_too_complex"), or has events of which none can be read ("feed_unreadable").
    """
    deadline = monotonic() + budget
    try:
        scanned = scan(ics)
    except ScanError as err:
        key: FeedErrorKey = "feed_too_complex" if err.too_complex else "feed_malformed"
        raise FeedError(key, str(err)) from err
    zones = ZoneResolver(scanned.vtimezones, scanned.calendar_zone, tz)
    if horizon is None:
        now = datetime.now(UTC)
        horizon = (now - DEFAULT_HORIZON[0], now + DEFAULT_HORIZON[1])
    skipped: list[SkippedEvent] = []
    read: list[EventFields] = []
    for raw in scanned.events:
        if monotonic() > deadline:
            raise FeedError("feed_too_complex", f"reading took over {budget} s")
        try:
            if raw.problem:
                raise Unreadable(raw.problem)
            read.append(read_event(raw.lines, zones))
        except Unreadable as err:
            skipped.append(SkippedEvent(_raw_uid(raw.lines), err.reason))
    overridden = {(ev.uid, ev.recurrence_id) for ev in read if ev.recurrence_id}
    floating = zones.floating or tz
    reservations: list[Reservation] = []
    readable = len(read)
    for event in read:
        if monotonic() > deadline:
            raise FeedError("feed_too_complex", f"reading took over {budget} s")
        try:
            if event.rrule or event.rdates:
                series = occurrences(event, horizon)
                reservations += [
                    _reservation(ev, tz, floating, checkin, checkout)
                    for ev in series
                    if (ev.uid, ev.recurrence_id) not in overridden
                ]
            else:
                reservations.append(
                    _reservation(event, tz, floating, checkin, checkout)
                )
        except (Unreadable, FeedError, OverflowError) as err:
            reason = (
                getattr(err, "reason", None)
                or getattr(err, "detail", "")
                or "dates out of range"
            )
            skipped.append(SkippedEvent(_clip_uid(event.uid), reason))
            readable -= 1
    if skipped and not readable:
        raise FeedError("feed_unreadable", skip_summary(skipped))
    reservations.sort(key=lambda res: (res.start, res.end, res.uid))
    return FeedRead(
        _unique_uids(reservations), tuple(skipped), tuple(dict.fromkeys(zones.notes))
    )


def skip_summary(skipped: Sequence[SkippedEvent], limit: int = 5) -> str:
    """How many events were skipped for each reason, most frequent first, bounded."""
    counts = Counter(event.reason for event in skipped)
    parts = [f"{reason} ({count})" for reason, count in counts.most_common(limit)]
    if len(counts) > limit:
        parts.append("…")
    return "; ".join(parts)


def _raw_uid(lines: Sequence[str]) -> str | None:
    for line in lines:
        if line.startswith(("UID:", "UID;")):
            try:
                return _clip_uid(unescape(split_property(line)[2]))
            except Unreadable:
                return None
    return None


def _clip_uid(uid: str | None) -> str | None:
    uid = (uid or "").strip()
    if not uid:
        return None
    return hashlib.sha256(uid.encode()).hexdigest() if len(uid) > MAX_UID_CHARS else uid


def _reservation(
    event: EventFields, tz: tzinfo, floating: tzinfo, checkin: time, checkout: time
) -> Reservation:
    """One event as a stay; raises `Unreadable` or `FeedError` for one that cannot be."""
    if event.start is None or event.end is None:
        raise Unreadable("no DTSTART")
    start_value, end_value = event.start, event.end
    if isinstance(start_value, datetime):
        if not isinstance(end_value, datetime):
            raise Unreadable("DTSTART and DTEND are not both dates or both date-times")
        start, end = (
            _in_zone(start_value, tz, floating),
            _in_zone(end_value, tz, floating),
        )
        if end < start:
            raise Unreadable("ends before it starts")
        if end == start:
            end = datetime.combine(
                start.date() + timedelta(days=1), checkout, tzinfo=tz
            )
    else:
        if isinstance(end_value, datetime):
            raise Unreadable("DTSTART and DTEND are not both dates or both date-times")
        if end_value < start_value:
            raise Unreadable("ends before it starts")
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
        reference=stay_reference(description),
    )


def _in_zone(value: datetime, tz: tzinfo, floating: tzinfo) -> datetime:
    """Put a date-time in `tz`; a floating one is read in `floating` (X-WR-TIMEZONE)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=floating)
    return value.astimezone(tz)


def _uid(event: EventFields, summary: str, start: date) -> str:
    """Give the event's UID, or one made from what identifies it when the feed has none."""
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
            res = replace(res, uid=uid)
        seen.add(uid)
        unique.append(res)
    return unique


def phone_last4(description: str | None) -> str | None:
    """Find the guest's last four phone digits in Airbnb's description line, if any."""
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
    kept = (
        line for line in lines if line.replace("\0", "").strip() or "\0" not in line
    )
    return "\n".join(kept).replace("\0", "").strip() or None


# ---------------------------------------------------------------------------- blocks

DEFAULT_BLOCK_PATTERNS: tuple[str, ...] = (
    # Airbnb: "Airbnb (Not available)" (and the older bare "Not available"), but not
    # Booking.com's "CLOSED - Not available", which is how it exports every booking.
    r"^\s*(airbnb\s*\(\s*)?(not\s+available|unavailable)\s*\)?\s*$",
    # Vrbo: owner blocks are "Blocked"; its bookings are "Reserved".
    r"^\s*blocked\s*$",
    # The same words in our users' languages, bare or in Airbnb's "Airbnb (…)":
    # French (Abritel's owner blocks), German, Italian, Spanish, Swedish, Czech.
    r"^\s*(airbnb\s*\(\s*)?(indisponible|non\s+disponible|bloqu[ée])\s*\)?\s*$",
    r"^\s*(airbnb\s*\(\s*)?(nicht\s+verf(ü|ue)gbar|blockiert|gesperrt)\s*\)?\s*$",
    r"^\s*(airbnb\s*\(\s*)?(non\s+disponibile|bloccato)\s*\)?\s*$",
    r"^\s*(airbnb\s*\(\s*)?(no\s+disponible|bloqueado)\s*\)?\s*$",
    r"^\s*(airbnb\s*\(\s*)?((ej|inte)\s+tillg(ä|a)nglig|blockerad)\s*\)?\s*$",
    r"^\s*(airbnb\s*\(\s*)?(nedostupn[éýá]|blokov(á|a)no)\s*\)?\s*$",
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
