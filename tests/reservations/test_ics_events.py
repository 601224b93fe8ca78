"""The fast reader of booking feeds: the same stays as ical, or it steps aside.

`ics_events.read_events` reads the plain subset of iCalendar booking feeds use; ical
stays the reference. Every test here compares `parse_feed` through the fast path with
`parse_feed(..., fast=False)`, which always reads with ical, on the Home Assistant
release's own ical (9.1.0 in `.venv`, 13.2.0 in `.venv-latest`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
from ical.calendar_stream import IcsCalendarStream
import pytest

from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations import feed
from custom_components.lockbooking.reservations.feed import (
    FeedError,
    _prepare,
    parse_feed,
)
from custom_components.lockbooking.reservations.ics_events import (
    EventFields,
    read_events,
    unescape,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ics"
VIENNA = ZoneInfo("Europe/Vienna")
CHECKIN = time(16, 0)
CHECKOUT = time(11, 0)
# The fixtures the fast path reads; the others hold what only ical reads.
FAST_FIXTURES = {
    "airbnb-0.8.8.ics",
    "airbnb-1.0.ics",
    "booking-com.ics",
    "empty-calendar.ics",
    "quirks-airbnb-style.ics",
}
ICAL_FIXTURES = {
    "missing-uid.ics",  # VALARM
    "timed-utc-floating.ics",  # DURATION
    "timed-vtimezone.ics",  # VTIMEZONE, a Windows TZID
}


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8", errors="replace")


def cal(*lines: str) -> str:
    return "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN", *lines, "END:VCALENDAR", ""]
    )


def event(*lines: str, uid: str = "u1@test") -> list[str]:
    return ["BEGIN:VEVENT", "DTSTAMP:20260101T000000Z", f"UID:{uid}", *lines, "END:VEVENT"]


def fields(res: Reservation) -> tuple[Any, ...]:
    """A stay field by field, with the zone and offset its times carry."""
    return (
        res.uid,
        res.summary,
        res.start,
        res.start.tzinfo,
        res.start.utcoffset(),
        res.end,
        res.end.tzinfo,
        res.end.utcoffset(),
        res.description,
        res.phone_last4,
    )


def outcome(text: str, *, fast: bool) -> list[tuple[Any, ...]] | str:
    """What `parse_feed` gives: the stays field by field, or the error's key."""
    try:
        return [fields(r) for r in parse_feed(text, VIENNA, CHECKIN, CHECKOUT, fast=fast)]
    except FeedError as err:
        return err.key


def read(text: str) -> list[EventFields] | None:
    """What the fast path reads from a feed, after `_prepare` as in `parse_feed`."""
    return read_events(_prepare(text)[0])


def assert_same(text: str) -> list[tuple[Any, ...]] | str:
    """The fast path and ical give the same stays (or the same error)."""
    fast = outcome(text, fast=True)
    assert fast == outcome(text, fast=False)
    return fast


# ---------------------------------------------------------------------- fixtures


def test_fixture_lists_are_complete() -> None:
    names = {p.name for p in FIXTURES.glob("*.ics")}
    assert names - {"truncated.ics"} == FAST_FIXTURES | ICAL_FIXTURES


@pytest.mark.parametrize("name", sorted(FAST_FIXTURES | ICAL_FIXTURES))
def test_fixtures_read_alike(name: str) -> None:
    """Every fixture that parses: the same stays, read fast where the feed allows it."""
    text = fixture_text(name)

    result = assert_same(text)

    assert isinstance(result, list)
    assert (read(text) is not None) == (name in FAST_FIXTURES)


@pytest.mark.parametrize("name", ["error-page.html", "garbage.bin", "truncated.ics"])
def test_broken_fixtures_fail_alike(name: str) -> None:
    assert assert_same(fixture_text(name)) == "feed_malformed"


def test_fixture_variants_read_alike() -> None:
    """LF and CR line ends, a BOM, blank lines and lower-case names change nothing."""
    base = fixture_text("airbnb-1.0.ics")
    for text in (
        base.replace("\r\n", "\n"),
        base.replace("\r\n", "\r"),
        "\ufeff" + base.replace("\r\n", "\r\n\r\n"),
        base.replace("SUMMARY:", "summary:").replace("BEGIN:VEVENT", "begin:vevent"),
        base.replace("\r\n ", "\r\n\t"),
    ):
        assert read(text) is not None
        assert assert_same(text) == outcome(base, fast=False)


# --------------------------------------------------------------------- synthetic

READ_FAST = [
    pytest.param(["DTSTART:20260710T130000Z", "DTEND:20260712T090000Z"], id="utc"),
    pytest.param(["DTSTART:20260801T160000", "DTEND:20260805T110000"], id="floating"),
    pytest.param(
        ["DTSTART;TZID=America/New_York:20260801T090000", "DTEND;TZID=Europe/Vienna:20260803T110000"],
        id="iana-tzids",
    ),
    pytest.param(['DTSTART;TZID="Europe/Vienna":20260710T150000'], id="quoted-tzid-no-end"),
    pytest.param(["DTSTART;VALUE=DATE-TIME:20260710T150000Z"], id="value-date-time"),
    pytest.param(["DTSTART:20260710T150000Z", "DTEND:20260710T150000Z"], id="timed-zero"),
    pytest.param(["DTSTART:20261002", "DTEND:20261002"], id="date-without-value"),
    pytest.param(["DTSTART;TZID=Europe/Vienna:20260329T023000"], id="dst-gap"),
    pytest.param(["DTSTART;TZID=Europe/Vienna:20261025T023000"], id="dst-fold"),
    pytest.param(
        ["DTSTART;VALUE=DATE:20260908", "SUMMARY:  Reserved\\, Jo\\; ok\\Nnext  "],
        id="summary-escapes-and-blanks",
    ),
    pytest.param(
        ["DTSTART;VALUE=DATE:20260908", "DESCRIPTION:a\\\\b \\\\\\n \\\\ end\\\\"],
        id="escaped-backslashes",
    ),
    pytest.param(
        ["DTSTART;VALUE=DATE:20260908", "DESCRIPTION:Ünïcødé \u2013 ok, raw; fine: yes"],
        id="unicode-raw-punctuation",
    ),
    pytest.param(["DTSTART;VALUE=DATE:20260908", "SUMMARY:", "DESCRIPTION:"], id="empty-texts"),
    pytest.param(["DTSTART;VALUE=DATE:20260908", "X-AIRBNB-ID:1", "X-AIRBNB-ID:2"], id="x-props"),
    pytest.param(["DTSTART;VALUE=DATE:20260910", "DTEND;VALUE=DATE:20260908"], id="ends-before"),
    pytest.param(["DTSTART;VALUE=DATE:18991231", "DTEND;VALUE=DATE:19000105"], id="too-early"),
    pytest.param(["DTSTART;VALUE=DATE:99991230", "DTEND;VALUE=DATE:99991231"], id="too-late"),
]


@pytest.mark.parametrize("lines", READ_FAST)
def test_synthetic_feeds_read_fast_and_alike(lines: list[str]) -> None:
    text = cal("CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Flat", *event(*lines))

    assert read(text) is not None
    assert_same(text)


def test_uid_less_events_read_alike() -> None:
    """Without a UID both derive the same stable one (from summary and start)."""
    text = cal(
        "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261101", "SUMMARY:Walk-in", "END:VEVENT",
        "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261104", "END:VEVENT",
        *event("DTSTART;VALUE=DATE:20261101", uid=""),
        *event("DTSTART;VALUE=DATE:20261101", uid="  "),
    )  # fmt: skip

    assert read(text) is not None
    result = assert_same(text)
    assert isinstance(result, list)
    assert len({stay[0] for stay in result}) == 4


# ---------------------------------------------------------------------- fallback

FALLBACK = [
    pytest.param(fixture_text("timed-vtimezone.ics"), id="vtimezone"),
    pytest.param(cal(*event('DTSTART;TZID="Eastern Standard Time":20260801T090000')), id="windows-tzid"),
    pytest.param(cal(*event("DTSTART;TZID=Mars/Olympus:20260908T150000")), id="unknown-tzid"),
    pytest.param(cal(*event("DTSTART;TZID=/etc/passwd:20260908T150000")), id="path-tzid"),
    pytest.param(cal(*event("DTSTART;TZID=Europe/Vienna:20260908T150000Z")), id="tzid-and-z"),
    pytest.param(cal(*event("DTSTART;TZID=Europe/Vienna:20260908")), id="tzid-on-date"),
    pytest.param(cal(*event("DTSTART:20260901T140000Z", "DURATION:P2DT20H")), id="duration"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260907", "RRULE:FREQ=WEEKLY;COUNT=5")), id="rrule"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260907", "RRULE:FREQ=SOMETIMES")), id="bad-rrule"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260907", "EXDATE;VALUE=DATE:20260914")), id="exdate"),
    pytest.param(cal(*event("RECURRENCE-ID;VALUE=DATE:20260914", "DTSTART;VALUE=DATE:20260915")), id="recurrence-id"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-P1D", "END:VALARM")), id="valarm"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", 'ORGANIZER;CN="Host":mailto:a@b.test')), id="organizer-with-params"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "ORGANIZER:mailto:a@b.test", "ORGANIZER:mailto:c@d.test")), id="two-organizers"),
    pytest.param(cal("BEGIN:VTODO", "UID:t", "END:VTODO"), id="vtodo"),
    pytest.param(cal("X-WR-CALNAME;LANGUAGE=en:Flat"), id="x-prop-with-param"),
    pytest.param(cal("METHOD:PUBLISH", "METHOD:PUBLISH"), id="repeated-method"),
    pytest.param(cal("FOO:bar"), id="unknown-calendar-property"),
    pytest.param(cal("CALSCALE;X-A=b:GREGORIAN"), id="calscale-param"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "DTSTART;VALUE=DATE:20260909")), id="two-dtstarts"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:a", "SUMMARY:b")), id="two-summaries"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "DTSTAMP:20260101T000000Z")), id="two-dtstamps"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908"), "BEGIN:VEVENT", "DTSTAMP:20260101", "UID:x", "DTSTART;VALUE=DATE:20260908", "END:VEVENT"), id="date-dtstamp"),
    pytest.param(cal(*event("DTEND;VALUE=DATE:20260913")), id="no-dtstart"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20261340")), id="bad-date"),
    pytest.param(cal(*event("DTSTART:20260908T256000Z")), id="bad-time"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908T150000")), id="value-date-on-date-time"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE-TIME:20260908")), id="value-date-time-on-date"),
    pytest.param(cal(*event("DTSTART;VALUE=date:20260908")), id="lower-case-value"),
    pytest.param(cal(*event("DTSTART;value=DATE:20260908")), id="lower-case-param-name"),
    pytest.param(cal(*event("DTSTART;VALUE=PERIOD:20260908T150000Z/PT1H")), id="value-period"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE;VALUE=DATE:20260908")), id="repeated-param"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE,DATE:20260908")), id="param-list"),
    pytest.param(cal(*event("DTSTART;VALUE=:20260908")), id="empty-param"),
    pytest.param(cal(*event("DTSTART;X-A=\"b:c\":20260908")), id="quoted-colon"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE: 20260908")), id="blank-before-value"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "DTEND:20260913T100000Z")), id="date-then-date-time"),
    pytest.param(cal(*event("DTSTART:20260908T150000Z", "DTEND:20260913T100000")), id="aware-then-floating"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:99991231")), id="last-day-no-end"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY;LANGUAGE=en:Reserved")), id="summary-param"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "DESCRIPTION:  leading blanks")), id="description-blanks"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "DESCRIPTION:\tleading tab")), id="description-tab"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:a\tb")), id="tab-in-summary"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "DESCRIPTION:Notes:\tlate")), id="tab-in-description"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:a\\:b")), id="unknown-escape"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:trailing\\")), id="lone-backslash"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "DESCRIPTION:a\\\\nb")), id="escaped-backslash-n"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:del \x7f")), id="del"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:ctl \x01")), id="control"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:math \U0001d54f")), id="astral"),
    pytest.param(cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:emoji \U0001f3e0")), id="emoji"),
]  # fmt: skip


@pytest.mark.parametrize("text", FALLBACK)
def test_what_the_fast_path_leaves_to_ical(text: str) -> None:
    """Outside the subset the fast path steps aside: ical's stays, or ical's error."""
    assert read(text) is None
    assert_same(text)


@pytest.mark.parametrize(
    "prepared",
    [
        pytest.param("", id="empty"),
        pytest.param("BEGIN:VCALENDAR\r\nEND:VCALENDAR", id="no-final-line-end"),
        pytest.param("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", id="unclosed"),
        pytest.param("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", id="nested"),
        pytest.param("BEGIN:VCALENDAR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", id="end-only"),
        pytest.param("BEGIN:VCALENDAR\r\nX-A;B:c\r\nEND:VCALENDAR\r\n", id="param-without-value"),
    ],
)
def test_read_events_refuses_what_prepare_never_writes(prepared: str) -> None:
    assert read_events(prepared) is None


def test_read_events_fields() -> None:
    """Typed values: dates, aware UTC, IANA zones, floating; the end as ical has it."""
    text = cal(
        *event("DTSTART;VALUE=DATE:20260908", "SUMMARY:Reserved", uid="a"),
        *event("DTSTART:20260908T150000Z", "DTEND:20260909T100000Z", uid="b"),
        *event("DTSTART;TZID=Europe/Vienna:20260908T150000", uid="c"),
        *event("DTSTART:20260908T150000", "DESCRIPTION:x\\ny", uid="d"),
    )

    assert read(text) == [
        EventFields("a", "Reserved", None, date(2026, 9, 8), date(2026, 9, 9)),
        EventFields(
            "b",
            None,
            None,
            datetime(2026, 9, 8, 15, tzinfo=ZoneInfo("UTC")),
            datetime(2026, 9, 9, 10, tzinfo=ZoneInfo("UTC")),
        ),
        EventFields(
            "c",
            None,
            None,
            datetime(2026, 9, 8, 15, tzinfo=VIENNA),
            datetime(2026, 9, 8, 15, tzinfo=VIENNA),
        ),
        EventFields(
            "d", None, "x\ny", datetime(2026, 9, 8, 15), datetime(2026, 9, 8, 15)
        ),
    ]
    assert read(text)[1].start.utcoffset() == timedelta(0)  # type: ignore[index, union-attr]
    assert read(text)[2].start.tzinfo is VIENNA  # type: ignore[index, union-attr]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("plain, text; here", "plain, text; here"),
        ("a\\,b\\;c\\nd\\Ne\\\\f", "a,b;c\nd\ne\\f"),
        ("\\\\\\n", "\\\n"),
        ("\\\\\\\\", "\\\\"),
        ("\\\\x", "\\x"),
        ("\\\\n", None),
        ("\\\\\\\\;", None),
        ("\\:", None),
        ("\\", None),
    ],
)
def test_unescape(raw: str, text: str | None) -> None:
    assert unescape(raw) == text


# ---------------------------------------------------------------- path in use


def test_plain_airbnb_feed_never_reaches_ical() -> None:
    """Were the fast path silently skipped, ical would be called here."""
    text = fixture_text("airbnb-1.0.ics")
    with patch.object(
        feed.IcsCalendarStream,
        "calendar_from_ics",
        wraps=IcsCalendarStream.calendar_from_ics,
    ) as ical:
        fast = parse_feed(text, VIENNA, CHECKIN, CHECKOUT)
        ical.assert_not_called()
        reference = parse_feed(text, VIENNA, CHECKIN, CHECKOUT, fast=False)
        ical.assert_called_once()
    assert [fields(r) for r in fast] == [fields(r) for r in reference]


def vienna_only() -> str:
    """The VTIMEZONE fixture without its Windows zone: every TZID an IANA one."""
    text = fixture_text("timed-vtimezone.ics")
    windows = text.index("BEGIN:VTIMEZONE\r\nTZID:Eastern")
    text = text[:windows] + text[text.index("END:VTIMEZONE", windows) + 15 :]
    remote = text.index("BEGIN:VEVENT\r\nDTSTAMP:20260601T080000Z\r\nUID:cm-4713")
    return text[:remote] + text[text.index("END:VEVENT", remote) + 12 :]


@pytest.mark.parametrize(
    ("text", "stays"),
    [
        pytest.param(fixture_text("timed-vtimezone.ics"), 3, id="windows-and-iana"),
        pytest.param(vienna_only(), 2, id="iana-only"),
    ],
)
def test_vtimezone_feed_is_read_by_ical(text: str, stays: int) -> None:
    """Were the fast path to read a VTIMEZONE feed, ical would not be called."""
    assert "Eastern" not in text or stays == 3
    with patch.object(
        feed.IcsCalendarStream,
        "calendar_from_ics",
        wraps=IcsCalendarStream.calendar_from_ics,
    ) as ical:
        reservations = parse_feed(text, VIENNA, CHECKIN, CHECKOUT)
    ical.assert_called_once()
    assert len(reservations) == stays


def test_event_count_is_checked_on_the_fast_path() -> None:
    """Fewer events read than written is refused whichever path read them."""
    text = fixture_text("airbnb-1.0.ics")
    with (
        patch.object(feed, "read_events", side_effect=lambda t: read_events(t)[1:]),
        pytest.raises(FeedError) as err,
    ):
        parse_feed(text, VIENNA, CHECKIN, CHECKOUT)
    assert "8 events written, 7 read" in str(err.value)


# ---------------------------------------------------------------------- property

ZONES = ["Europe/Vienna", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
TEXT_CHARS = st.sampled_from(
    [*"aZ09 -_.:/()@", ",", ";", "\\", "\n", "\t", "ñ", "€", "Ω", "漢", "\u2028", "\U0001f3e0"]
)
texts = st.text(TEXT_CHARS, max_size=30) | st.sampled_from(
    ["Reserved", "Airbnb (Not available)", " Reserved - Ana María ", ""]
)


def escape(text: str, newline: str) -> str:
    """A TEXT value written as RFC 5545 says (commas and semicolons sometimes raw)."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", newline)
    )


def fold(line: str, indent: str) -> list[str]:
    """A content line folded at 75 octets, never inside a UTF-8 sequence."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = indent, 1, 75
        current += char
        size += width
    return [*parts, current]


@st.composite
def moments(draw: st.DrawFn) -> tuple[str, str | None]:
    """A DTSTART and maybe a DTEND of one kind: all-day, UTC, floating or in a zone."""
    kind = draw(st.sampled_from(["date", "date-bare", "utc", "floating", "zone"]))
    start = draw(
        st.datetimes(datetime(1899, 12, 25), datetime(2100, 1, 1))
        | st.sampled_from([datetime(2026, 3, 29, 2, 30), datetime(2026, 10, 25, 2, 30)])
    ).replace(microsecond=0)
    nights = draw(st.sampled_from([0, 0, 1, 3, 7, 30]))
    end = start + timedelta(days=nights, hours=draw(st.sampled_from([0, -5, 3])))
    if kind.startswith("date"):
        param = ";VALUE=DATE" if kind == "date" else ""
        values = [f"{param}:{start:%Y%m%d}", f"{param}:{end:%Y%m%d}"]
    else:
        param = f";TZID={draw(st.sampled_from(ZONES))}" if kind == "zone" else ""
        suffix = "Z" if kind == "utc" else ""
        values = [f"{param}:{start:%Y%m%dT%H%M%S}{suffix}", f"{param}:{end:%Y%m%dT%H%M%S}{suffix}"]
    return f"DTSTART{values[0]}", draw(st.sampled_from([f"DTEND{values[1]}", None]))


@st.composite
def booking_feeds(draw: st.DrawFn) -> str:
    """A booking-feed-like calendar: stays, blocks, turnovers, texts, folding."""
    newline = draw(st.sampled_from(["\\n", "\\N"]))
    indent = draw(st.sampled_from([" ", "\t"]))
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Hypothesis//EN", "VERSION:2.0"]
    for _ in range(draw(st.integers(0, 5))):
        start, end = draw(moments())
        props = [start, *([end] if end else [])]
        if draw(st.booleans()):
            props.append("DTSTAMP:20260822T073647Z")
        if (uid := draw(st.sampled_from(["u1@test", "u2@test", "", " ", None]))) is not None:
            props.append(f"UID:{uid}")
        if (summary := draw(texts | st.none())) is not None:
            props.append(f"SUMMARY:{escape(summary, newline)}")
        if (description := draw(texts | st.none())) is not None:
            if draw(st.booleans()):
                description += f"\nPhone Number (Last 4 Digits): {draw(st.integers(0, 9999)):04d}"
            props.append(f"DESCRIPTION:{escape(description, newline)}")
        props = draw(st.permutations(props))
        lines += ["BEGIN:VEVENT", *(part for prop in props for part in fold(prop, indent)), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return draw(st.sampled_from(["\r\n", "\n"])).join(lines)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(booking_feeds())
def test_booking_feeds_read_alike(text: str) -> None:
    assert_same(text)


@settings(max_examples=60, deadline=None, database=None)
@given(booking_feeds())
def test_plain_booking_feeds_take_the_fast_path(text: str) -> None:
    """Without what it leaves to ical on purpose, a booking feed is read fast."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    plain = (
        "\\\\" not in unfolded
        and "\U0001f3e0" not in unfolded
        and "\t" not in unfolded
        and "DESCRIPTION: " not in unfolded
    )
    if plain and isinstance(outcome(text, fast=False), list):
        assert read(text) is not None
