"""The structure of an iCalendar feed, scanned in one bounded pass before any reading.

Unfolds lines, checks that the text is whole calendars (one, or several concatenated by
a merging tool: they are read as one feed, their repeated headers ignored), and hands
over each VEVENT's own property lines, each VTIMEZONE's observances and the calendar's
X-WR-TIMEZONE. Nothing here is quadratic or recursive, and every count is capped:
unfolded line length, components' nesting and the number of events. A line or a
nesting over its cap marks only its event as unreadable; a text that is not calendars,
is cut short, or holds more events than MAX_EVENTS raises `ScanError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import re

# Longer than any real property we read (Airbnb descriptions are a few hundred
# characters); a 10 MB single line must not reach a regular expression whole.
MAX_LINE_CHARS = 64 * 1024
# VCALENDAR > VEVENT > VALARM is as deep as real feeds go; one more level is allowed.
MAX_DEPTH = 4
# Twice the largest feed `make bench` reads, tens of times any real export.
MAX_EVENTS = 10_000
# Past this, the whole feed is refused (kept short so the scan holds little).
_MAX_STACK = 64

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NAME = re.compile(r"[A-Za-z0-9-]{1,64}(?=[;:])")


class ScanError(ValueError):
    """The text is not whole iCalendar calendars; the message says why."""

    def __init__(self, reason: str, *, too_complex: bool = False) -> None:
        """Say why; `too_complex` if the text is calendars, only past a limit."""
        super().__init__(reason)
        self.too_complex = too_complex


@dataclass(slots=True)
class RawEvent:
    """One VEVENT's own property lines (names upper-cased), or why it cannot be read."""

    lines: list[str] = field(default_factory=list)
    problem: str | None = None


@dataclass(slots=True)
class ScannedFeed:
    """What the reader needs from a feed's structure."""

    events: list[RawEvent] = field(default_factory=list)
    # TZID -> its observances: ("STANDARD" | "DAYLIGHT", property lines).
    vtimezones: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict)
    # TZID -> the VTIMEZONE's lines as written (for a reader that wants them whole).
    vtimezone_text: dict[str, list[str]] = field(default_factory=dict)
    calendar_zone: str | None = None


def unfolded_lines(text: str) -> list[str]:
    """Split a text into content lines: folded continuations joined, blank lines dropped.

    A line longer than MAX_LINE_CHARS is cut there and ends with a NUL, which no
    property value may hold, so its component is told it is unreadable.
    """
    lines: list[str] = []
    parts: list[str] = []
    size = 0
    for raw in _LINE_BREAK.split(text.removeprefix("\ufeff")):
        if raw[:1] in (" ", "\t"):
            if not lines and not parts:
                raise ScanError("continuation line first")
            if size <= MAX_LINE_CHARS:
                parts.append(raw[1:])
                size += len(raw) - 1
            continue
        if parts:
            lines.append(_joined(parts, size))
        parts, size = ([raw], len(raw)) if raw.strip() else ([], 0)
    if parts:
        lines.append(_joined(parts, size))
    return lines


def _joined(parts: list[str], size: int) -> str:
    line = "".join(parts)
    return line[:MAX_LINE_CHARS] + "\0" if size > MAX_LINE_CHARS else line


def scan(text: str) -> ScannedFeed:
    """Scan a feed; raise `ScanError` when it is not whole calendars."""
    feed = ScannedFeed()
    stack: list[str] = []
    event: RawEvent | None = None
    zone_lines: list[str] | None = None
    observance: tuple[str, list[str]] | None = None
    observances: list[tuple[str, list[str]]] = []
    calendars = 0
    for line in unfolded_lines(text):
        match = _NAME.match(line)
        if match is None:
            if event is None:
                raise ScanError("not an iCalendar line")
            if stack[-1] == "VEVENT":
                event.problem = event.problem or "a line that is not iCalendar"
            continue
        raw_name = match.group()
        name = raw_name.upper()
        if name != raw_name:
            line = name + line[match.end() :]
        if name in ("BEGIN", "END"):
            component = line[len(name) + 1 :].strip().upper()[:64]
            if name == "BEGIN":
                if (not stack) != (component == "VCALENDAR"):
                    raise ScanError(f"unexpected BEGIN:{component}")
                if len(stack) >= _MAX_STACK:
                    raise ScanError("components nested too deep", too_complex=True)
                stack.append(component)
                depth = len(stack)
                if depth == 1:
                    calendars += 1
                elif depth == 2 and component == "VEVENT":
                    if len(feed.events) >= MAX_EVENTS:
                        raise ScanError(f"over {MAX_EVENTS} events", too_complex=True)
                    event = RawEvent()
                    feed.events.append(event)
                elif depth == 2 and component == "VTIMEZONE":
                    zone_lines, observances = [line], []
                elif depth == 3 and zone_lines is not None:
                    observance = (component, [])
                    zone_lines.append(line)
                elif depth > MAX_DEPTH and event is not None:
                    event.problem = event.problem or "components nested too deep"
                continue
            if not stack or stack[-1] != component:
                raise ScanError(f"unexpected END:{component}")
            stack.pop()
            depth = len(stack)
            if depth == 1:
                if zone_lines is not None:
                    zone_lines.append(line)
                    _keep_zone(feed, zone_lines, observances)
                event, zone_lines = None, None
            elif depth == 2 and zone_lines is not None and observance is not None:
                zone_lines.append(line)
                observances.append(observance)
                observance = None
            continue
        if not stack:
            raise ScanError("content outside VCALENDAR")
        depth = len(stack)
        too_long = line.endswith("\0")
        if depth == 1:
            if name == "X-WR-TIMEZONE" and feed.calendar_zone is None and not too_long:
                feed.calendar_zone = line.partition(":")[2].strip()
        elif event is not None and depth == 2:
            if too_long:
                if not name.startswith("X-") and name in _READ:
                    event.problem = (
                        event.problem
                        or f"{name} longer than {MAX_LINE_CHARS} characters"
                    )
            else:
                event.lines.append(line)
        elif zone_lines is not None and not too_long:
            zone_lines.append(line)
            if observance is not None and depth == 3:
                observance[1].append(line)
    if stack or not calendars:
        raise ScanError("no complete VCALENDAR" if calendars else "not a calendar")
    return feed


# Event properties whose loss would change a stay: an over-long one makes it unreadable.
_READ = frozenset(
    {"UID", "SUMMARY", "DESCRIPTION", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID",
     "RRULE", "RDATE", "EXDATE"}
)  # fmt: skip


def _keep_zone(
    feed: ScannedFeed, lines: list[str], observances: list[tuple[str, list[str]]]
) -> None:
    tzid = next(
        (
            line.partition(":")[2].strip()
            for line in lines
            if line.startswith(("TZID:", "TZID;"))
        ),
        "",
    )
    if tzid and tzid not in feed.vtimezones:
        feed.vtimezones[tzid] = observances
        feed.vtimezone_text[tzid] = lines
