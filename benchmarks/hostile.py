"""The worst feeds we can write under the 10 MB cap, each aimed at one part of the reader.

Each is read or refused by `read_feed` (issue #21: in under 2 s on this machine). The
first two are issue #21's own measurements on `ical` 9.1.0: one X- property with 80,000
parameters (37 s, quadratic) and 5,000 events with a LOCATION line (6.4 s).
"""

from __future__ import annotations

from collections.abc import Callable

from custom_components.lockbooking.reservations.feed_fetch import MAX_FEED_BYTES
from custom_components.lockbooking.reservations.ics_scan import MAX_EVENTS

CAP = MAX_FEED_BYTES - 4096
HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hostile//EN\r\n"
TAIL = "END:VCALENDAR\r\n"


def _event(number: int, *lines: str) -> str:
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{number}@hostile", "DTSTART;VALUE=DATE:20270105",
         "DTEND;VALUE=DATE:20270107", *lines, "END:VEVENT", ""]
    )  # fmt: skip


def _filled(block: Callable[[int], str], limit: int = CAP) -> str:
    """As many blocks as fit under the cap (and MAX_EVENTS events)."""
    parts, size, number = [HEAD], len(HEAD) + len(TAIL), 0
    while number < MAX_EVENTS:
        text = block(number)
        if size + len(text) > limit:
            break
        parts.append(text)
        size += len(text)
        number += 1
    return "".join([*parts, TAIL])


def x_property_80000_parameters() -> str:
    """Write one X- property with 80,000 parameters (320 KB): issue #21's first."""
    return HEAD + "X-HOSTILE" + ";A=b" * 80_000 + ":v\r\n" + _event(0) + TAIL


def location_lines_5000_events() -> str:
    """Write 5,000 events with a LOCATION line: issue #21's second."""
    return (
        HEAD
        + "".join(_event(n, f"LOCATION:Flat {n}, Main street") for n in range(5000))
        + TAIL
    )


def parameters_to_the_cap() -> str:
    """10 MB of X- parameters on one property: never parsed, the line is cut."""
    return (
        HEAD + "X-HOSTILE" + ";A=b" * ((CAP - 200) // 4) + ":v\r\n" + _event(0) + TAIL
    )


def one_line_of_10_mb() -> str:
    """Write one unfolded 10 MB DESCRIPTION line: cut at MAX_LINE_CHARS."""
    return HEAD + "DESCRIPTION:" + "x" * (CAP - 200) + "\r\n" + _event(0) + TAIL


def folded_line_of_10_mb() -> str:
    """Write one 10 MB SUMMARY folded into short lines: unfolded up to the line cap."""
    return (
        HEAD
        + _event(0, "SUMMARY:x", *[" " + "y" * 74] * ((CAP - 400) // 77)).rstrip()
        + "\r\n"
        + TAIL
    )


def nesting_to_the_cap() -> str:
    """Nest X- components as deep as the cap allows: refused past the stack's limit."""
    depth = (CAP - 200) // 26
    return HEAD + "BEGIN:X-DEEP\r\n" * depth + "END:X-DEEP\r\n" * depth + TAIL


def events_to_the_cap() -> str:
    """Full events of 400 bytes up to the event cap: the most a feed may hold, read whole."""
    return _filled(
        lambda n: _event(
            n, "SUMMARY:Reserved - A guest with a long name", "DTSTAMP:20261201T101010Z",
            "DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/"
            f"HM{n:08d}\\nPhone Number (Last 4 Digits): {n % 10000:04d}",
            "LOCATION:Flat 2", "STATUS:CONFIRMED", "X-EXTRA;A=1;B=2:x",
        )
    )  # fmt: skip


def more_events_than_the_cap() -> str:
    """Minimal events past MAX_EVENTS: refused."""
    text = "BEGIN:VEVENT\r\nDTSTART:20270105\r\nEND:VEVENT\r\n"
    return HEAD + text * ((CAP - 200) // len(text)) + TAIL


def unreadable_events_to_the_cap() -> str:
    """Every event with one parameter too many on its DTSTART: each is skipped."""
    return _filled(
        lambda n: _event(n).replace("DTSTART;", "DTSTART" + ";X-B=2" * 16 + ";", 1)
    )


def parameters_on_every_date() -> str:
    """Put 14 quoted parameters on every date of events up to the cap."""
    params = "".join(f';X-P{n}="a,b;c:d"' for n in range(14))
    return _filled(
        lambda n: "\r\n".join(
            ["BEGIN:VEVENT", f"UID:{n}@hostile", f"DTSTART;VALUE=DATE{params}:20270105",
             f"DTEND;VALUE=DATE{params}:20270107", "END:VEVENT", ""]
        )
    )  # fmt: skip


def daily_rules_from_1970() -> str:
    """Give every event up to the cap a daily rule from 1970: each is fast-forwarded."""
    return _filled(
        lambda n: _event(n, "RRULE:FREQ=DAILY").replace("20270105", "19700101")
    )


def custom_zones_for_every_event() -> str:
    """Give every event up to the cap a custom VTIMEZONE of its own."""
    zone = (
        "BEGIN:VTIMEZONE\r\nTZID:Zone {n}\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\n"
        "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
        "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\n"
        "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    )
    return _filled(
        lambda n: zone.format(n=n)
        + "\r\n".join(
            ["BEGIN:VEVENT", f"UID:{n}@hostile", f"DTSTART;TZID=Zone {n}:20270105T150000",
             f"DTEND;TZID=Zone {n}:20270107T100000", "END:VEVENT", ""]
        )
    )  # fmt: skip


HOSTILE_FEEDS: dict[str, Callable[[], str]] = {
    "an X- property with 80,000 parameters (320 KB)": x_property_80000_parameters,
    "5,000 events with a LOCATION line": location_lines_5000_events,
    "parameters on one property to the cap": parameters_to_the_cap,
    "one 10 MB line": one_line_of_10_mb,
    "one 10 MB folded line": folded_line_of_10_mb,
    "components nested to the cap": nesting_to_the_cap,
    "10,000 full events (the event cap)": events_to_the_cap,
    "minimal events past the event cap": more_events_than_the_cap,
    "unreadable events to the cap": unreadable_events_to_the_cap,
    "14 quoted parameters on every date": parameters_on_every_date,
    "a daily rule from 1970 in every event": daily_rules_from_1970,
    "a custom VTIMEZONE for every event": custom_zones_for_every_event,
}
