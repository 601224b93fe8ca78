"""Hostile feeds: every cap holds, and costs only the event it concerns where it can.

Line length, parameter count, nesting and event count are capped in the scan, before
any reading; the whole read runs under a time budget; recurring rules are bounded. The
time each worst case takes is measured by `make bench` (row "Hostile feeds").
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
import pytest

from custom_components.lockbooking.reservations import feed as feed_module, ics_scan
from custom_components.lockbooking.reservations.feed import read_feed
from custom_components.lockbooking.reservations.feed_fetch import FeedError
from custom_components.lockbooking.reservations.ics_events import MAX_PARAMS
from custom_components.lockbooking.reservations.ics_recur import MAX_STEPS

# Over the 64 KiB line cap (written out: the test must not follow the constant).
LONG = 70_000

VIENNA = ZoneInfo("Europe/Vienna")
HORIZON = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
GOOD = ["BEGIN:VEVENT", "UID:good@test", "DTSTART;VALUE=DATE:20270105", "DTEND;VALUE=DATE:20270107", "END:VEVENT"]  # fmt: skip


def cal(*lines: str) -> str:
    return "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", *lines, *GOOD, "END:VCALENDAR", ""]
    )


def bad_event(*lines: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        "UID:bad@test",
        "DTSTART;VALUE=DATE:20270110",
        *lines,
        "END:VEVENT",
    ]


def read(text: str, **kwargs: float) -> tuple[list[str], list[str]]:
    result = read_feed(text, VIENNA, time(16), time(11), horizon=HORIZON, **kwargs)
    return [r.uid for r in result.reservations], [s.reason for s in result.skipped]


def test_an_overlong_line_we_read_costs_its_event() -> None:
    text = cal(*bad_event("DESCRIPTION:" + "x" * LONG))
    assert read(text) == (["good@test"], ["DESCRIPTION longer than 65536 characters"])
    fits = cal(*bad_event("DESCRIPTION:" + "x" * 65_000))
    assert read(fits) == (["good@test", "bad@test"], [])


def test_an_overlong_line_we_do_not_read_is_ignored() -> None:
    """Exchange's X-ALT-DESC can be long HTML: the stay is still read."""
    text = cal(*bad_event("X-ALT-DESC;FMTTYPE=text/html:" + "<p>x</p>" * LONG))
    assert read(text) == (["good@test", "bad@test"], [])


def test_an_overlong_folded_line_is_cut_while_unfolding() -> None:
    folded = ["SUMMARY:start", *[" " + "y" * 74] * (LONG // 74)]
    assert read(cal(*bad_event(*folded)))[1] == ["SUMMARY longer than 65536 characters"]


def test_80000_parameters_on_an_x_property_are_never_parsed() -> None:
    """ical 9.1.0 took 37 s on this (320 KB); it is not a property we read."""
    text = cal(*bad_event("X-HOSTILE" + ";A=b" * 80_000 + ":v"))
    assert read(text) == (["good@test", "bad@test"], [])


def test_too_many_parameters_on_a_property_we_read() -> None:
    text = cal(*bad_event("DTEND" + ";X-A=b" * MAX_PARAMS + ";VALUE=DATE:20270112"))
    assert read(text)[1] == [f"DTEND has more than {MAX_PARAMS} parameters"]
    allowed = cal(
        *bad_event("DTEND" + ";X-A=b" * (MAX_PARAMS - 1) + ";VALUE=DATE:20270112")
    )
    assert read(allowed) == (["good@test", "bad@test"], [])


def test_components_nested_too_deep_cost_their_event() -> None:
    nested = [
        "BEGIN:VALARM",
        "BEGIN:X-A",
        "BEGIN:X-B",
        "X-C:1",
        "END:X-B",
        "END:X-A",
        "END:VALARM",
    ]
    assert read(cal(*bad_event(*nested)))[1] == ["components nested too deep"]
    assert read(cal(*bad_event(*nested[:1], *nested[-1:]))) == (
        ["good@test", "bad@test"],
        [],
    )


def test_absurd_nesting_refuses_the_feed() -> None:
    text = cal(*["BEGIN:X-DEEP"] * 100_000, *["END:X-DEEP"] * 100_000)
    with pytest.raises(FeedError) as err:
        read(text)
    assert (err.value.key, err.value.detail) == (
        "feed_too_complex",
        "components nested too deep",
    )


def test_garbage_inside_an_event_costs_that_event() -> None:
    assert read(cal(*bad_event("<p>oops</p>")))[1] == ["a line that is not iCalendar"]


def test_too_many_events_refuse_the_feed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ics_scan, "MAX_EVENTS", 3)
    assert read(cal(*GOOD, *GOOD))[0] == [
        "good@test",
        "good@test#20270105T1600",
        "good@test#20270105T1600-2",
    ]
    with pytest.raises(FeedError) as err:
        read(cal(*GOOD, *GOOD, *GOOD))
    assert (err.value.key, err.value.detail) == ("feed_too_complex", "over 3 events")


def tick(monkeypatch: pytest.MonkeyPatch, *readings: float) -> None:
    """The reader's clock gives these readings (the tests' own clock is frozen)."""
    clock = iter(readings)
    monkeypatch.setattr(
        "custom_components.lockbooking.reservations.feed.monotonic", lambda: next(clock)
    )


def test_the_time_budget_refuses_the_feed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the budget, not one more event is read."""
    tick(monkeypatch, 0.0, 1.6)
    read_events: list[object] = []
    real_read = feed_module.read_event
    monkeypatch.setattr(
        feed_module, "read_event", lambda *a: read_events.append(a) or real_read(*a)
    )
    with pytest.raises(FeedError) as err:
        read(cal())
    assert (err.value.key, err.value.detail) == (
        "feed_too_complex",
        "reading took over 1.5 s",
    )
    assert read_events == []


def test_the_time_budget_covers_building_the_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past reading the events, turning each into stays (series expanded) is timed too."""
    tick(monkeypatch, 0.0, 0.1, 0.2, 0.3, 1.6)
    with pytest.raises(FeedError) as err:
        read(cal(*bad_event()))
    assert err.value.key == "feed_too_complex"


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("FREQ=HOURLY", "RRULE recurs more often than daily, or has no FREQ"),
        (
            "FREQ=SECONDLY;COUNT=1000000000",
            "RRULE recurs more often than daily, or has no FREQ",
        ),
        ("INTERVAL=2", "RRULE recurs more often than daily, or has no FREQ"),
        ("FREQ=DAILY;BYDAY=XX", "RRULE cannot be read"),
        ("FREQ=DAILY;UNTIL=2027", "RRULE's UNTIL cannot be read"),
    ],
)
def test_unreadable_rules(rule: str, reason: str) -> None:
    assert read(cal(*bad_event(f"RRULE:{rule}")))[1] == [reason]


def test_a_rule_counting_from_year_1900_is_bounded() -> None:
    event = ["BEGIN:VEVENT", "UID:old@test", "DTSTART;VALUE=DATE:19000101", "RRULE:FREQ=DAILY;COUNT=1000000", "END:VEVENT"]  # fmt: skip
    assert read(cal(*event))[1] == [f"RRULE walks more than {MAX_STEPS} occurrences"]


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=WEEKLY;INTERVAL=2",
     "FREQ=MONTHLY;BYDAY=1SA", "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=3,17", "FREQ=YEARLY;BYMONTH=1,7"],
)  # fmt: skip
def test_a_rule_from_year_1900_is_walked_from_near_the_horizon(rule: str) -> None:
    """Skipping whole periods gives the very occurrences of walking from 1900."""
    event = ["BEGIN:VEVENT", "UID:old@test", "DTSTART;VALUE=DATE:19000102", f"RRULE:{rule}", "END:VEVENT"]  # fmt: skip
    uids, skipped = read(cal(*event))
    occurrences = {uid.partition("#")[2] for uid in uids if uid.startswith("old@test")}
    expected = {
        f"{day:%Y%m%d}"
        for day in rrulestr(rule, dtstart=datetime(1900, 1, 2)).between(
            datetime(2026, 12, 1), datetime(2027, 12, 31), inc=True
        )
    }
    assert skipped == []
    assert occurrences == expected
    assert occurrences


def test_an_unbounded_weekly_rule_stops_at_the_horizon() -> None:
    event = ["BEGIN:VEVENT", "UID:w@test", "DTSTART;VALUE=DATE:20261207", "RRULE:FREQ=WEEKLY", "END:VEVENT"]  # fmt: skip
    uids, skipped = read(cal(*event))
    assert len([uid for uid in uids if uid.startswith("w@test#")]) == 56
    assert skipped == []


def test_rdates_and_exdates() -> None:
    event = [
        "BEGIN:VEVENT", "UID:r@test", "DTSTART:20270105T150000Z", "DTEND:20270106T100000Z",
        "RDATE:20270110T150000Z,20270120T150000Z", "RDATE;VALUE=PERIOD:20270130T150000Z/P1D",
        "EXDATE:20270110T150000Z", "END:VEVENT",
    ]  # fmt: skip
    assert read(cal(*event))[0] == [
        "r@test#20270105T150000Z",
        "good@test",
        "r@test#20270120T150000Z",
    ]


def test_a_series_whose_occurrences_are_all_past_is_not_an_error() -> None:
    event = ["BEGIN:VEVENT", "UID:old@test", "DTSTART;VALUE=DATE:20200101", "RRULE:FREQ=YEARLY;COUNT=2", "END:VEVENT"]  # fmt: skip
    assert read(cal(*event)) == (["good@test"], [])
