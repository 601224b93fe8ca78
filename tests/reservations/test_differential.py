"""Our reader against `icalendar` (+ `recurring-ical-events`): the same stays, every time.

Every calendar fixture in the repository, and booking-feed-like calendars Hypothesis
writes, are read by `read_feed` and by `benchmarks.icalendar_reader` (the library
Rental Control uses, written independently); both must give the same stays, field by
field. The only fixtures we refuse are the ones that are not calendars (listed below);
`icalendar` must find no stay in them either.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from benchmarks.icalendar_reader import read_with_icalendar
from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations.feed import read_feed
from custom_components.lockbooking.reservations.feed_fetch import FeedError

ROOT = Path(__file__).parent.parent.parent
VIENNA = ZoneInfo("Europe/Vienna")
CHECKIN, CHECKOUT = time(16), time(11)
HORIZON = (datetime(2021, 1, 1, tzinfo=VIENNA), datetime(2028, 6, 1, tzinfo=VIENNA))
CALENDAR_FIXTURES = sorted(
    path
    for path in ROOT.glob("tests/**/*")
    if path.suffix in (".ics", ".html", ".bin") and "snapshots" not in path.parts
)
# Not calendars: we refuse them whole, icalendar raises or finds nothing.
NOT_CALENDARS = {"error-page.html", "garbage.bin", "truncated.ics"}


def fields(reservations: list[Reservation]) -> list[tuple[Any, ...]]:
    return [
        (r.uid, r.summary, r.start, r.start.utcoffset(), r.end, r.end.utcoffset(),
         r.description, r.phone_last4)
        for r in reservations
    ]  # fmt: skip


def theirs(text: str) -> list[tuple[Any, ...]] | None:
    try:
        return fields(
            read_with_icalendar(text, VIENNA, CHECKIN, CHECKOUT, horizon=HORIZON)
        )
    except ValueError:
        return None


def test_every_calendar_fixture_is_compared() -> None:
    names = {path.name for path in CALENDAR_FIXTURES}
    assert names >= NOT_CALENDARS
    assert len(names) >= 20


@pytest.mark.parametrize(
    "path", CALENDAR_FIXTURES, ids=[str(p.relative_to(ROOT)) for p in CALENDAR_FIXTURES]
)
def test_fixture_reads_the_same_stays_as_icalendar(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    if path.name in NOT_CALENDARS:
        with pytest.raises(FeedError):
            read_feed(text, VIENNA, CHECKIN, CHECKOUT, horizon=HORIZON)
        assert not theirs(text)
        return

    ours = fields(
        read_feed(text, VIENNA, CHECKIN, CHECKOUT, horizon=HORIZON).reservations
    )

    assert ours == theirs(text)


# ------------------------------------------------------------ generated calendars

ZONES = [
    "Europe/Vienna",
    "America/New_York",
    "W. Europe Standard Time",
    "UTC+11",
    "Asia/Kolkata",
]
texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30
) | st.sampled_from(
    ["Reserved", "Airbnb (Not available)", " Reserved - Ana María ", ""]
)


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def fold(line: str) -> list[str]:
    """A content line folded at 75 octets, never inside a UTF-8 sequence."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    return [*parts, current]


@st.composite
def moments(draw: st.DrawFn) -> list[str]:
    """DTSTART and DTEND or DURATION, of one kind: all-day, UTC, floating or zoned."""
    kind = draw(st.sampled_from(["date", "utc", "floating", "zone"]))
    start = draw(st.datetimes(datetime(2000, 1, 1), datetime(2028, 1, 1))).replace(
        second=0, microsecond=0
    )
    nights = draw(st.sampled_from([0, 1, 3, 7, 30]))
    end = start + timedelta(days=nights, hours=draw(st.sampled_from([0, -5, 3])))
    if kind == "date":
        props = [f"DTSTART;VALUE=DATE:{start:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    else:
        zone = draw(st.sampled_from(ZONES))
        param = f";TZID={zone}" if kind == "zone" else ""
        suffix = "Z" if kind == "utc" else ""
        props = [
            f"DTSTART{param}:{start:%Y%m%dT%H%M%S}{suffix}",
            f"DTEND{param}:{end:%Y%m%dT%H%M%S}{suffix}",
        ]
    match draw(st.sampled_from(["end", "none", "duration"])):
        case "none":
            props.pop()
        case "duration":
            props[1] = (
                f"DURATION:P{nights}D" if kind == "date" else f"DURATION:P{nights}DT3H"
            )
    # (icalendar leaves UTC+11 floating, and recurring-ical-events then loses the TZID.)
    if draw(st.integers(0, 3)) == 0 and "UTC+11" not in props[0]:
        props.append("RRULE:" + draw(rules))
    return props


rules = st.sampled_from(
    ["FREQ=DAILY;INTERVAL=9", "FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,FR",
     "FREQ=MONTHLY;BYDAY=2TU", "FREQ=MONTHLY;INTERVAL=7;BYMONTHDAY=5,20",
     "FREQ=YEARLY", "FREQ=YEARLY;INTERVAL=2;BYMONTH=3,9", "FREQ=WEEKLY;COUNT=30",
     "FREQ=MONTHLY;UNTIL=20270601", "FREQ=DAILY;INTERVAL=40;UNTIL=20270601T000000Z"]
)  # fmt: skip


@st.composite
def booking_feeds(draw: st.DrawFn) -> str:
    """A booking-feed-like calendar: stays, blocks, texts, folding, extra properties."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Hypothesis//EN", "VERSION:2.0"]
    if draw(st.booleans()):
        lines.append(
            f"X-WR-TIMEZONE:{draw(st.sampled_from(['Europe/Rome', 'America/Denver']))}"
        )
    for number in range(draw(st.integers(0, 5))):
        props = draw(moments())
        props.append(f"UID:u{number}@test")
        if (summary := draw(texts | st.none())) is not None:
            props.append(f"SUMMARY:{escape(summary)}")
        if (description := draw(texts | st.none())) is not None:
            if draw(st.booleans()):
                description += (
                    f"\nPhone Number (Last 4 Digits): {draw(st.integers(0, 9999)):04d}"
                )
            props.append(f"DESCRIPTION:{escape(description)}")
        props += draw(
            st.lists(
                st.sampled_from(
                    ["LOCATION;LANGUAGE=en:Flat 2", "STATUS:CONFIRMED", "X-FOO;BAR=1:x"]
                ),
                max_size=2,
            )
        )
        props = draw(st.permutations(props))
        lines += [
            "BEGIN:VEVENT",
            *(part for prop in props for part in fold(prop)),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return draw(st.sampled_from(["\r\n", "\n"])).join(lines) + "\r\n"


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(booking_feeds())
def test_generated_feeds_read_the_same_stays_as_icalendar(text: str) -> None:
    try:
        ours = fields(
            read_feed(text, VIENNA, CHECKIN, CHECKOUT, horizon=HORIZON).reservations
        )
    except FeedError as err:
        assert err.key == "feed_unreadable"
        assert not theirs(text)
        return
    assert ours == theirs(text)
