"""The feed module: fetching booking feeds and reading them as reservations."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
import logging
from pathlib import Path
from unittest.mock import Mock
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.streams import StreamReader
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations import feed
from custom_components.lockbooking.reservations.feed import (
    DEFAULT_BLOCK_PATTERNS,
    is_blocked,
    parse_feed,
    phone_last4,
)
from custom_components.lockbooking.reservations.feed_fetch import (
    MAX_FEED_BYTES,
    FeedError,
    FeedFetch,
    async_fetch_feed,
    feed_host,
    feed_url,
    read_capped,
)
from homeassistant.core import HomeAssistant

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ics"
VIENNA = ZoneInfo("Europe/Vienna")
CHECKIN = time(16, 0)
CHECKOUT = time(11, 0)


def fixture_text(name: str) -> str:
    """A fixture as a fetch would hand it over (bytes decoded, line endings kept)."""
    return (FIXTURES / name).read_bytes().decode("utf-8", errors="replace")


def parse(text: str) -> list[Reservation]:
    return parse_feed(text, VIENNA, CHECKIN, CHECKOUT)


def at(day: str, hour: int, minute: int = 0) -> datetime:
    """A Vienna wall-clock time on an ISO day."""
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=VIENNA)


def stays(reservations: list[Reservation]) -> list[Reservation]:
    return [
        r for r in reservations if not is_blocked(r.summary, DEFAULT_BLOCK_PATTERNS)
    ]


def cal(*lines: str) -> str:
    """A small calendar around some VEVENT lines."""
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Test//EN",
            *lines,
            "END:VCALENDAR",
            "",
        ]
    )


def event(*lines: str, uid: str = "u1@test") -> list[str]:
    return [
        "BEGIN:VEVENT",
        "DTSTAMP:20260101T000000Z",
        f"UID:{uid}",
        *lines,
        "END:VEVENT",
    ]


# ------------------------------------------------------------------ the shared samples


def test_airbnb_current_export() -> None:
    """Airbnb 1.0: CRLF, folded descriptions, blocks, and a same-day turnover."""
    reservations = parse(fixture_text("airbnb-1.0.ics"))

    assert len(reservations) == 8
    assert [r.start for r in reservations] == sorted(r.start for r in reservations)
    guests = stays(reservations)
    assert [(r.uid, r.start, r.end, r.phone_last4) for r in guests] == [
        (
            "1418fb94e984-852c89f27ecf42cf813dc4bdc20995fa@airbnb.com",
            at("2026-08-24", 16),
            at("2026-09-02", 11),
            "4144",
        ),
        (
            "1418fb94e984-165adae695c008f101d2780ab84715a3@airbnb.com",
            at("2026-09-02", 16),
            at("2026-09-08", 11),
            "0644",
        ),
        (
            "1418fb94e984-772d991f737a685f963389fcaa45398a@airbnb.com",
            at("2026-09-21", 16),
            at("2026-09-30", 11),
            "7449",
        ),
        (
            "1418fb94e984-ae8469f7403820c0d31b7a996bda2491@airbnb.com",
            at("2027-07-18", 16),
            at("2027-07-22", 11),
            "3264",
        ),
    ]
    assert all(r.summary == "Reserved" for r in guests)
    # The folded description is unfolded and its escaped newline turned into one.
    assert guests[0].description == (
        "Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMY1D6SD91"
        "\nPhone Number (Last 4 Digits): 4144"
    )
    blocks = [r for r in reservations if r not in guests]
    assert len(blocks) == 4
    assert {r.summary for r in blocks} == {"Airbnb (Not available)"}
    assert all(r.description is None and r.phone_last4 is None for r in blocks)


def test_same_day_turnover() -> None:
    """One guest's check-out day is the next one's check-in day; the two do not overlap."""
    first, second = stays(parse(fixture_text("airbnb-1.0.ics")))[:2]

    assert first.end.date() == second.start.date() == date(2026, 9, 2)
    assert first.end == at("2026-09-02", 11)
    assert second.start == at("2026-09-02", 16)
    assert first.end < second.start


def test_airbnb_old_export() -> None:
    """Airbnb 0.8.8: no DTSTAMP, LF line endings, a PRODID with a parameter."""
    text = fixture_text("airbnb-0.8.8.ics")
    assert "\r\n" not in text
    assert "DTSTAMP" not in text

    reservations = parse(text)

    assert len(reservations) == 21
    guests = stays(reservations)
    assert [r.phone_last4 for r in guests] == [
        "5127", "9999", "9594", "9586", "9214", "2496", "8151", "9200",
    ]  # fmt: skip
    assert len(reservations) - len(guests) == 13
    first = guests[0]
    assert first.uid == "1418fb94e984-27e43162eaca35bfa84b40446d1de17c@airbnb.com"
    assert (first.start, first.end) == (at("2022-09-16", 16), at("2022-09-26", 11))
    # Across the end of summer time the wall clock stays put, the offset changes.
    long_stay = guests[4]
    assert (long_stay.start, long_stay.end) == (
        at("2022-10-22", 16),
        at("2022-11-22", 11),
    )
    assert long_stay.start.utcoffset() == timedelta(hours=2)
    assert long_stay.end.utcoffset() == timedelta(hours=1)
    # A one-night block between two stays.
    assert (reservations[1].summary, reservations[1].start, reservations[1].end) == (
        "Airbnb (Not available)",
        at("2022-09-26", 16),
        at("2022-09-27", 11),
    )


def test_booking_com_export() -> None:
    """Booking.com: every stay is "CLOSED - Not available"; PRODID with odd escaping."""
    reservations = parse(fixture_text("booking-com.ics"))

    assert reservations == [
        Reservation(
            uid="e927afc01f6b8d7001fbd73485479170@booking.com",
            summary="CLOSED - Not available",
            start=at("2026-09-08", 16),
            end=at("2026-09-13", 11),
        ),
        Reservation(
            uid="fffa52e5723c8cb7b7e9b80b2c25df09@booking.com",
            summary="CLOSED - Not available",
            start=at("2027-07-31", 16),
            end=at("2027-08-07", 11),
        ),
    ]
    assert stays(reservations) == reservations


def test_times_follow_the_given_zone_and_hours() -> None:
    """Check-in and check-out hours and the time zone are the caller's."""
    tokyo = ZoneInfo("Asia/Tokyo")
    first = parse_feed(fixture_text("booking-com.ics"), tokyo, time(15), time(10, 30))[
        0
    ]

    assert first.start == datetime(2026, 9, 8, 15, tzinfo=tokyo)
    assert first.end == datetime(2026, 9, 13, 10, 30, tzinfo=tokyo)


# ------------------------------------------------------------------------- blocks


@pytest.mark.parametrize(
    ("summary", "blocked"),
    [
        ("Airbnb (Not available)", True),
        ("airbnb (not available)", True),
        ("Not available", True),
        ("  NOT AVAILABLE ", True),
        ("Blocked", True),
        ("CLOSED - Not available", False),
        ("Reserved", False),
        ("Reserved - Jane Doe", False),
        ("Reserved - Not available Smith", False),
        ("", False),
    ],
)
def test_default_block_patterns(summary: str, blocked: bool) -> None:
    assert is_blocked(summary, DEFAULT_BLOCK_PATTERNS) is blocked


def test_custom_block_patterns() -> None:
    """Patterns are case-insensitive regular expressions; an invalid one is a substring."""
    assert is_blocked("Owner stay (maintenance)", [r"owner\s+stay"])
    assert is_blocked("Blocked (Owner", ["(owner"])  # not a valid regex
    assert not is_blocked("Reserved", ["(owner", r"^blocked$"])
    assert not is_blocked("Airbnb (Not available)", [])


# ------------------------------------------------------------------- own fixtures


def test_timed_events_with_vtimezone() -> None:
    """TZID with a VTIMEZONE (Olson and Windows names): times kept, shown in `tz`."""
    summer, remote, winter = parse(fixture_text("timed-vtimezone.ics"))

    assert summer.uid == "cm-4711-summer@example-channel-manager.test"
    assert summer.summary == "Reserved - Jane Doe"
    assert (summer.start, summer.end) == (at("2026-07-10", 15), at("2026-07-12", 10))
    assert summer.description == "Booking 4711\nGuests: 2"
    assert (winter.start, winter.end) == (at("2027-01-05", 17), at("2027-01-08", 9))
    assert winter.start.utcoffset() == timedelta(hours=1)
    # 09:00 Eastern daylight time is 15:00 in Vienna.
    assert (remote.start, remote.end) == (at("2026-08-01", 15), at("2026-08-03", 11))
    assert all(
        r.start.tzinfo is VIENNA and r.end.tzinfo is VIENNA for r in (summer, remote)
    )


def test_timed_events_utc_floating_and_duration() -> None:
    utc, floating, duration = parse(fixture_text("timed-utc-floating.ics"))

    assert (utc.start, utc.end) == (at("2026-07-10", 15), at("2026-07-12", 11))
    assert utc.start.tzinfo is VIENNA
    # A floating time is the property's own clock: taken in `tz`.
    assert (floating.start, floating.end) == (
        at("2026-08-01", 16),
        at("2026-08-05", 11),
    )
    # DTSTART 14:00Z + P2DT20H.
    assert (duration.start, duration.end) == (
        at("2026-09-01", 16),
        at("2026-09-04", 12),
    )


def test_airbnb_style_quirks() -> None:
    """DTSTART == DTEND, no DTEND, a repeated PRODID/VERSION, a long folded description."""
    text = fixture_text("quirks-airbnb-style.ics")
    assert text.count("PRODID:") == 2
    assert text.count("VERSION:") == 2

    same_day, no_end, folded = parse(text)

    # Airbnb writes some one-night stays with DTEND == DTSTART: one night, not zero.
    assert (same_day.start, same_day.end) == (
        at("2026-10-02", 16),
        at("2026-10-03", 11),
    )
    assert same_day.phone_last4 == "0042"
    # Without DTEND an all-day event lasts one day (RFC 5545): one night.
    assert (no_end.start, no_end.end) == (at("2026-10-10", 16), at("2026-10-11", 11))
    assert is_blocked(no_end.summary, DEFAULT_BLOCK_PATTERNS)
    assert folded.summary == "Reserved - Ana María Núñez"
    assert folded.phone_last4 == "7788"
    assert folded.description == (
        "Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMFOLDED01\n"
        "Phone number (last 4 digits):   7788\n"
        "Notes: Late arrival after 22:00, please leave the light on; thanks!\n"
        "Second line of notes with a leading space kept."
    )
    # The clocks go back on 2026-10-25: check-out is still 11:00 on the wall.
    assert folded.end == at("2026-10-25", 11)


def test_repeated_calendar_properties_keep_the_first() -> None:
    """Headers repeated by merging tools (here PRODID folded over two lines) are ignored."""
    text = cal(
        "PRODID:-//Another//Exporter with a long na",
        " me//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:One",
        "X-WR-CALNAME:Two",
        *event("DTSTART;VALUE=DATE:20260908", "SUMMARY:Reserved"),
    )

    (res,) = parse(text)

    assert res.summary == "Reserved"


def test_missing_uid_gets_a_stable_one() -> None:
    """Without a UID the library would invent a random one; ours derives from the event."""
    text = fixture_text("missing-uid.ics")

    first, second = parse(text)

    assert (first.start, first.end) == (at("2026-11-01", 16), at("2026-11-04", 11))
    assert len(first.uid) == 32
    assert int(first.uid, 16) >= 0
    assert first.uid != second.uid  # same summary, different start
    assert [r.uid for r in parse(text)] == [first.uid, second.uid]
    # The same stay in a feed that lists it elsewhere keeps its uid.
    assert parse(cal(*event_lines_without_uid(second)))[0].uid == second.uid


def event_lines_without_uid(res: Reservation) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"DTSTART;VALUE=DATE:{res.start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{res.end:%Y%m%d}",
        f"SUMMARY:{res.summary}",
        "END:VEVENT",
    ]


def test_empty_calendar_is_an_empty_list() -> None:
    assert parse(fixture_text("empty-calendar.ics")) == []
    assert parse("BEGIN:VCALENDAR\nEND:VCALENDAR\n") == []


@pytest.mark.parametrize(
    "name", ["error-page.html", "truncated.ics", "garbage.bin"], ids=str
)
def test_not_a_calendar_is_malformed(name: str) -> None:
    with pytest.raises(FeedError) as err:
        parse(fixture_text(name))
    assert err.value.key == "feed_malformed"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   \r\n\r\n", id="blank"),
        pytest.param(" BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", id="continuation-first"),
        pytest.param("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", id="no-end"),
        pytest.param("BEGIN:VEVENT\r\nEND:VEVENT\r\n", id="no-vcalendar"),
        pytest.param(
            "VERSION:2.0\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", id="before"
        ),
        pytest.param(cal() + "X-JUNK:1\r\n", id="after-end"),
        pytest.param(cal() + "BEGIN:VCALENDAR\r\n", id="second-calendar-cut"),
        pytest.param(cal("BEGIN:VEVENT", "END:VTODO"), id="mismatched-end"),
        pytest.param(cal("BEGIN:VCALENDAR", "END:VCALENDAR"), id="nested-vcalendar"),
        pytest.param(cal("<p>hello</p>"), id="html-inside"),
    ],
)
def test_malformed_text_raises(text: str) -> None:
    with pytest.raises(FeedError) as err:
        parse(text)
    assert err.value.key == "feed_malformed"


UNREADABLE_EVENTS = [
    pytest.param(["DTEND;VALUE=DATE:20260913"], "no DTSTART", id="no-dtstart"),
    pytest.param(
        ["DTSTART;VALUE=DATE:20260913", "DTEND;VALUE=DATE:20260910"],
        "ends before it starts",
        id="date-end-before-start",
    ),
    pytest.param(
        ["DTSTART:20260913T150000Z", "DTEND:20260913T100000Z"],
        "ends before it starts",
        id="timed-end-before-start",
    ),
    pytest.param(
        ["DTSTART;VALUE=DATE:20260908", "DTEND:20260913T100000Z"],
        "DTSTART and DTEND are not both dates or both date-times",
        id="date-start-timed-end",
    ),
    pytest.param(
        ["DTSTART;VALUE=DATE:20261340", "DTEND;VALUE=DATE:20261350"],
        "DTSTART is not a calendar date or time",
        id="bad-date",
    ),
    pytest.param(
        ["DTSTART;;VALUE=DATE-TIME:20260908T150000Z"],
        "DTSTART has a parameter that cannot be read",
        id="empty-parameter",
    ),
    pytest.param(
        ["DTSTART;VALUE=DATE:20260908", "DURATION:P99999W"],
        "DURATION is negative or too long",
        id="absurd-duration",
    ),
    pytest.param(
        ["DTSTART;VALUE=DATE:20260908", "RRULE:FREQ=SOMETIMES"],
        "RRULE recurs more often than daily, or has no FREQ",
        id="bad-rrule",
    ),
    pytest.param(
        ["DTSTART;VALUE=DATE:99991231", "DTEND;VALUE=DATE:99991231"],
        "DTSTART is out of range",
        id="year-9999",
    ),
]


@pytest.mark.parametrize(("lines", "reason"), UNREADABLE_EVENTS)
def test_an_unreadable_event_is_skipped_and_the_rest_read(
    lines: list[str], reason: str
) -> None:
    """One bad event costs that event only; it is reported with its uid and why."""
    good = event(
        "DTSTART;VALUE=DATE:20260920", "DTEND;VALUE=DATE:20260922", uid="good@test"
    )
    result = feed.read_feed(
        cal(*event(*lines, uid="bad@test"), *good), VIENNA, CHECKIN, CHECKOUT
    )

    assert [r.uid for r in result.reservations] == ["good@test"]
    assert result.skipped == (feed.SkippedEvent("bad@test", reason),)


@pytest.mark.parametrize(("lines", "reason"), UNREADABLE_EVENTS)
def test_a_feed_of_unreadable_events_only_is_refused(
    lines: list[str], reason: str
) -> None:
    with pytest.raises(FeedError) as err:
        parse(cal(*event(*lines)))
    assert err.value.key == "feed_unreadable"
    assert err.value.detail == f"{reason} (1)"


def test_lenient_on_what_is_harmless() -> None:
    """BOM, CR-only line ends, blank lines, lower-case names, a missing SUMMARY."""
    base = fixture_text("booking-com.ics")
    expected = parse(base)

    assert parse("\ufeff" + base) == expected
    assert parse(base.replace("\r\n", "\r")) == expected
    assert parse(base.replace("\r\n", "\r\n\r\n")) == expected
    lower = base.replace("BEGIN:VEVENT", "begin:vevent").replace(
        "END:VEVENT", "End:VEvent"
    )
    assert parse(lower.replace("SUMMARY:", "summary:")) == expected
    (untitled,) = parse(cal(*event("DTSTART;VALUE=DATE:20260908")))
    assert untitled.summary == ""
    assert (untitled.start, untitled.end) == (
        at("2026-09-08", 16),
        at("2026-09-09", 11),
    )


def test_summary_is_stripped_and_unescaped() -> None:
    (res,) = parse(
        cal(*event("DTSTART;VALUE=DATE:20260908", "SUMMARY:  Reserved\\, Jo  "))
    )
    assert res.summary == "Reserved, Jo"


def test_recurring_events_are_expanded_within_the_horizon() -> None:
    """Each occurrence is a stay with a stable uid; a moved one replaces its occurrence."""
    text = cal(
        *event("DTSTART;VALUE=DATE:20260907", "DTEND;VALUE=DATE:20260909", "RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE;VALUE=DATE:20260928", "SUMMARY:Cleaning"),
        *event("RECURRENCE-ID;VALUE=DATE:20260914", "DTSTART;VALUE=DATE:20260915", "DTEND;VALUE=DATE:20260917", "SUMMARY:Cleaning moved"),
    )  # fmt: skip
    horizon = (at("2026-09-01", 0), at("2026-09-30", 0))

    result = parse_feed(text, VIENNA, CHECKIN, CHECKOUT, horizon=horizon)

    assert [(r.uid, r.start, r.end, r.summary) for r in result] == [
        ("u1@test#20260907", at("2026-09-07", 16), at("2026-09-09", 11), "Cleaning"),
        (
            "u1@test#20260914",
            at("2026-09-15", 16),
            at("2026-09-17", 11),
            "Cleaning moved",
        ),
        ("u1@test#20260921", at("2026-09-21", 16), at("2026-09-23", 11), "Cleaning"),
    ]
    assert parse_feed(text, VIENNA, CHECKIN, CHECKOUT, horizon=horizon) == result


def test_duplicate_uids_are_told_apart() -> None:
    text = cal(
        *event("DTSTART;VALUE=DATE:20261001", "DTEND;VALUE=DATE:20261003"),
        *event("DTSTART;VALUE=DATE:20261005", "DTEND;VALUE=DATE:20261007"),
        *event("DTSTART;VALUE=DATE:20261005", "DTEND;VALUE=DATE:20261008"),
    )

    assert [r.uid for r in parse(text)] == [
        "u1@test",
        "u1@test#20261005T1600",
        "u1@test#20261005T1600-2",
    ]


def test_timed_event_without_end_is_one_night() -> None:
    (res,) = parse(cal(*event("DTSTART;TZID=Europe/Vienna:20260908T150000")))
    assert (res.start, res.end) == (at("2026-09-08", 15), at("2026-09-09", 11))


@pytest.mark.parametrize(
    ("description", "digits"),
    [
        ("Phone Number (Last 4 Digits): 1234", "1234"),
        ("x\nphone number (last 4 digits):5678\ny", "5678"),
        ("Phone Number ( Last 4 Digits ) 0007", "0007"),
        ("Phone Number (Last 4 Digits): 12345", None),
        ("Phone Number (Last 4 Digits): ", None),
        ("Call me on 1234", None),
        (None, None),
    ],
)
def test_phone_last4(description: str | None, digits: str | None) -> None:
    assert phone_last4(description) == digits


# ------------------------------------------------------------------------ property


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.text())
def test_arbitrary_text_gives_a_list_or_feed_error(text: str) -> None:
    check_list_or_feed_error(text)


SAMPLES = [
    fixture_text(name)
    for name in (
        "airbnb-1.0.ics",
        "airbnb-0.8.8.ics",
        "booking-com.ics",
        "timed-vtimezone.ics",
        "quirks-airbnb-style.ics",
    )
]
ICS_WORDS = st.sampled_from(
    [
        "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VALARM",
        "END:VTIMEZONE", "DTSTART;VALUE=DATE:20261301", "DTEND:20260101T000000Z",
        "DTSTART;TZID=Nowhere:20260101T000000", "UID:", "RRULE:FREQ=DAILY;COUNT=x",
        "DURATION:P-1D", " folded", "\t", ";", ":", "\\n", "\x00", "VERSION:3.0",
        "DTSTART:99991231T235959Z", "DTSTART;VALUE=DATE:00010101", "RECURRENCE-ID:x",
    ]
)  # fmt: skip


@st.composite
def mutated_feed(draw: st.DrawFn) -> str:
    """A real feed with lines dropped, repeated, swapped, garbled or cut short."""
    lines = draw(st.sampled_from(SAMPLES)).splitlines()
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, len(lines) - 1))
        match draw(
            st.sampled_from(["drop", "repeat", "swap", "insert", "garble", "cut"])
        ):
            case "drop":
                del lines[index]
            case "repeat":
                lines.insert(index, lines[index])
            case "swap":
                other = draw(st.integers(0, len(lines) - 1))
                lines[index], lines[other] = lines[other], lines[index]
            case "insert":
                lines.insert(index, draw(ICS_WORDS | st.text(max_size=20)))
            case "garble":
                line = lines[index]
                at_char = draw(st.integers(0, len(line)))
                lines[index] = line[:at_char] + draw(ICS_WORDS | st.text(max_size=5))
            case "cut":
                lines = lines[:index]
        if not lines:
            break
    return draw(st.sampled_from(["\r\n", "\n"])).join(lines)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated_feed())
def test_mutated_feeds_give_a_list_or_feed_error(text: str) -> None:
    check_list_or_feed_error(text)


def check_list_or_feed_error(text: str) -> None:
    try:
        result = parse(text)
    except FeedError as err:
        assert err.key in ("feed_malformed", "feed_unreadable", "feed_too_complex")
        return
    assert isinstance(result, list)
    for res in result:
        assert isinstance(res, Reservation)
        assert res.start.tzinfo is not None
        assert res.end.tzinfo is not None
        assert res.start < res.end
    assert len({res.uid for res in result}) == len(result)


# -------------------------------------------------------------------------- fetch

URL = "https://feeds.example.test/ical/12345.ics?s=SECRET-TOKEN"


async def test_fetch_captures_validators(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    body = fixture_text("airbnb-1.0.ics")
    aioclient_mock.get(
        URL,
        text=body,
        headers={"ETag": '"abc123"', "Last-Modified": "Sat, 22 Aug 2026 07:36:47 GMT"},
    )

    result = await async_fetch_feed(hass, URL)

    assert result == FeedFetch(body, '"abc123"', "Sat, 22 Aug 2026 07:36:47 GMT")
    (_, _, _, headers), *_ = aioclient_mock.mock_calls
    assert headers == {}


async def test_fetch_is_conditional_and_304_has_no_body(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(URL, status=304)

    result = await async_fetch_feed(
        hass, URL, etag='"abc123"', last_modified="Sat, 22 Aug 2026 07:36:47 GMT"
    )

    assert result == FeedFetch(None, '"abc123"', "Sat, 22 Aug 2026 07:36:47 GMT")
    assert aioclient_mock.mock_calls[0][3] == {
        "If-None-Match": '"abc123"',
        "If-Modified-Since": "Sat, 22 Aug 2026 07:36:47 GMT",
    }


async def test_fetch_304_with_new_validators(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(URL, status=304, headers={"ETag": 'W/"v2"'})

    result = await async_fetch_feed(hass, URL, etag='W/"v1"')

    assert result == FeedFetch(None, 'W/"v2"', None)
    assert aioclient_mock.mock_calls[0][3] == {"If-None-Match": 'W/"v1"'}


async def test_fetch_changed_feed_after_conditional_request(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A 200 to a conditional request: the new body and no stale validators kept."""
    aioclient_mock.get(URL, text="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    result = await async_fetch_feed(hass, URL, etag=None, last_modified="yesterday")

    assert result.body == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert result.etag is None
    assert result.last_modified == "yesterday"


@pytest.mark.parametrize("status", [401, 403, 404, 410, 429, 500, 503])
async def test_fetch_http_errors(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, status: int
) -> None:
    aioclient_mock.get(URL, status=status, text="<html>error</html>")

    with pytest.raises(FeedError) as err:
        await async_fetch_feed(hass, URL)

    assert err.value.key == "feed_http_error"
    assert str(status) in err.value.detail


@pytest.mark.parametrize(
    ("exc", "key"),
    [
        (TimeoutError(), "feed_timeout"),
        (aiohttp.ServerTimeoutError(), "feed_timeout"),
        (aiohttp.ClientError(), "feed_unreachable"),
        (aiohttp.ClientConnectionError(), "feed_unreachable"),
        (aiohttp.ClientPayloadError(), "feed_unreachable"),
    ],
)
async def test_fetch_transport_errors(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, exc: Exception, key: str
) -> None:
    aioclient_mock.get(URL, exc=exc)

    with pytest.raises(FeedError) as err:
        await async_fetch_feed(hass, URL)

    assert err.value.key == key


async def test_fetch_refuses_announced_oversize(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(
        URL, text="BEGIN:VCALENDAR", headers={"Content-Length": "20971520"}
    )

    with pytest.raises(FeedError) as err:
        await async_fetch_feed(hass, URL)

    assert err.value.key == "feed_too_large"


async def test_fetch_refuses_oversize_body_without_content_length(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A 20 MB body with no (or a lying) Content-Length stops at the default cap."""
    aioclient_mock.get(
        URL, content=b"X" * (20 * 1024 * 1024), headers={"Content-Length": "?"}
    )

    with pytest.raises(FeedError) as err:
        await async_fetch_feed(hass, URL)

    assert err.value.key == "feed_too_large"
    assert str(MAX_FEED_BYTES) in err.value.detail


async def test_fetch_accepts_a_body_at_the_cap(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(URL, content=b"a" * 1000, headers={"Content-Length": "1000"})

    result = await async_fetch_feed(hass, URL, max_bytes=1000)

    assert result.body == "a" * 1000


async def test_read_capped_stops_without_reading_everything() -> None:
    """The reader gives up as soon as the cap is passed, leaving the rest unread."""
    stream = StreamReader(Mock(_reading_paused=False), limit=2**16)
    for _ in range(320):  # 20 MB in 64 KiB chunks
        stream.feed_data(b"\0" * 65536)
    stream.feed_eof()

    with pytest.raises(FeedError) as err:
        await read_capped(stream, 1024 * 1024)

    assert err.value.key == "feed_too_large"
    assert len(await stream.read()) >= 18 * 1024 * 1024


async def test_fetch_decodes_invalid_utf8_with_replacement(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(URL, content="SUMMARY:Müller".encode("latin-1"))

    result = await async_fetch_feed(hass, URL)

    assert result.body == "SUMMARY:M\ufffdller"


@pytest.mark.parametrize(
    ("given", "fetched"),
    [
        (
            "webcal://feeds.example.test/a.ics?t=1",
            "https://feeds.example.test/a.ics?t=1",
        ),
        ("WEBCAL://feeds.example.test/a.ics", "https://feeds.example.test/a.ics"),
        ("webcals://feeds.example.test/a.ics", "https://feeds.example.test/a.ics"),
        (" https://feeds.example.test/a.ics ", "https://feeds.example.test/a.ics"),
        ("http://feeds.example.test/a.ics", "http://feeds.example.test/a.ics"),
    ],
)
def test_feed_url(given: str, fetched: str) -> None:
    assert feed_url(given) == fetched


@pytest.mark.parametrize(
    ("url", "host"),
    [
        (URL, "feeds.example.test"),
        ("https://[::1/a.ics", "?"),
        ("/relative.ics", "?"),
    ],
)
def test_feed_host(url: str, host: str) -> None:
    assert feed_host(url) == host


async def test_fetch_webcal(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(
        "https://www.airbnb.com/calendar/ical/1.ics", text="BEGIN:VCALENDAR"
    )

    result = await async_fetch_feed(
        hass, "webcal://www.airbnb.com/calendar/ical/1.ics?s=x"
    )

    assert result.body == "BEGIN:VCALENDAR"
    assert str(aioclient_mock.mock_calls[0][1]).startswith("https://www.airbnb.com/")


async def test_fetch_never_logs_the_url(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aioclient_mock.get(URL, status=404)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(FeedError) as err:
        await async_fetch_feed(hass, URL)

    assert "feeds.example.test" in caplog.text
    assert "SECRET-TOKEN" not in caplog.text
    assert "12345" not in caplog.text
    assert "SECRET-TOKEN" not in str(err.value)


async def test_fetched_feed_parses_in_the_executor(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """The whole path as the coordinator will run it."""
    aioclient_mock.get(URL, content=(FIXTURES / "booking-com.ics").read_bytes())

    fetched = await async_fetch_feed(hass, URL)
    assert fetched.body is not None
    reservations = await hass.async_add_executor_job(
        parse_feed, fetched.body, VIENNA, CHECKIN, CHECKOUT
    )

    assert [r.uid for r in reservations] == [
        "e927afc01f6b8d7001fbd73485479170@booking.com",
        "fffa52e5723c8cb7b7e9b80b2c25df09@booking.com",
    ]
