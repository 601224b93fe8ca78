"""The planner: pure rounding and refusals, checked by example and by property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings, strategies as st
import pytest

from custom_components.lockbooking.models import CodeKind, CodeRules, Window
from custom_components.lockbooking.planner import (
    PlanRefused,
    code_problem,
    generate_code,
    plan_code,
)
from custom_components.lockbooking.vendors.igloohome.rules import (
    IGLOOHOME_DAILY,
    IGLOOHOME_HOURLY,
)
from custom_components.lockbooking.vendors.nuki_common import NUKI_KEYPAD

VIENNA = ZoneInfo("Europe/Vienna")
KOLKATA = ZoneInfo("Asia/Kolkata")
ALGOPIN = (IGLOOHOME_HOURLY, IGLOOHOME_DAILY)
HOUR = timedelta(hours=1)


def local(text: str, tz: ZoneInfo = VIENNA) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def window(start: str, end: str, tz: ZoneInfo = VIENNA) -> Window:
    return Window(local(start, tz), local(end, tz))


def test_hourly_rounds_outwards() -> None:
    plan = plan_code(ALGOPIN, window("2026-12-01 15:20", "2026-12-01 17:20"), VIENNA)
    assert plan.kind is CodeKind.ALGOPIN_HOURLY
    assert plan.window == window("2026-12-01 15:00", "2026-12-01 18:00")


def test_whole_hours_stay() -> None:
    plan = plan_code(ALGOPIN, window("2026-12-01 16:00", "2026-12-04 11:00"), VIENNA)
    assert plan.window == window("2026-12-01 16:00", "2026-12-04 11:00")


def test_short_stay_gets_at_least_an_hour() -> None:
    plan = plan_code(ALGOPIN, window("2026-12-01 16:10", "2026-12-01 16:20"), VIENNA)
    assert plan.window == window("2026-12-01 16:00", "2026-12-01 17:00")


def test_forty_nights_is_daily_ending_at_checkin_time() -> None:
    plan = plan_code(ALGOPIN, window("2026-12-01 16:00", "2027-01-10 11:00"), VIENNA)
    assert plan.kind is CodeKind.ALGOPIN_DAILY
    assert plan.window == window("2026-12-01 16:00", "2027-01-10 16:00")


def test_daily_end_moves_to_next_day_for_late_checkout() -> None:
    plan = plan_code(ALGOPIN, window("2026-12-01 16:00", "2027-01-10 18:00"), VIENNA)
    assert plan.window == window("2026-12-01 16:00", "2027-01-11 16:00")


def test_exactly_28_days_is_hourly() -> None:
    plan = plan_code(ALGOPIN, window("2026-11-01 16:00", "2026-11-29 16:00"), VIENNA)
    assert plan.kind is CodeKind.ALGOPIN_HOURLY
    assert plan.window.end - plan.window.start == timedelta(hours=672)


@pytest.mark.parametrize(
    "end", ["2026-11-29 17:00", "2026-11-30 11:00", "2026-11-30 15:30"]
)
def test_gap_between_28_and_29_days_becomes_29_day_daily(end: str) -> None:
    plan = plan_code(ALGOPIN, window("2026-11-01 16:00", end), VIENNA)
    assert plan.kind is CodeKind.ALGOPIN_DAILY
    assert plan.window == window("2026-11-01 16:00", "2026-11-30 16:00")


def test_367_days_is_the_longest() -> None:
    plan = plan_code(ALGOPIN, window("2026-01-01 16:00", "2027-01-03 16:00"), VIENNA)
    assert plan.window.end == local("2027-01-03 16:00")
    with pytest.raises(PlanRefused) as err:
        plan_code(ALGOPIN, window("2026-01-01 16:00", "2027-01-03 17:00"), VIENNA)
    assert err.value.key == "span_too_long"
    assert err.value.placeholders == {"max_days": "367"}


@pytest.mark.parametrize(
    ("rules", "requested", "key"),
    [
        (
            ALGOPIN,
            window("2026-12-02 10:00", "2026-12-01 10:00"),
            "end_not_after_start",
        ),
        (
            ALGOPIN,
            window("2026-12-01 10:00", "2026-12-01 10:00"),
            "end_not_after_start",
        ),
        ((), window("2026-12-01 10:00", "2026-12-02 10:00"), "codes_not_supported"),
        (
            ALGOPIN,
            Window(datetime(2026, 12, 1, 10), datetime(2026, 12, 2, 10)),
            "naive_datetime",
        ),
    ],
)
def test_refusals(rules: tuple[CodeRules, ...], requested: Window, key: str) -> None:
    with pytest.raises(PlanRefused) as err:
        plan_code(rules, requested, VIENNA)
    assert err.value.key == key
    assert str(err.value) == key


def test_rounds_on_the_locks_clock_in_half_hour_zones() -> None:
    requested = window("2026-12-01 15:20", "2026-12-01 17:20", KOLKATA)
    plan = plan_code(
        ALGOPIN,
        Window(requested.start.astimezone(UTC), requested.end.astimezone(UTC)),
        KOLKATA,
    )
    assert plan.window == window("2026-12-01 15:00", "2026-12-01 18:00", KOLKATA)
    assert plan.window.start.utcoffset() == timedelta(hours=5, minutes=30)


def test_hourly_across_the_autumn_clock_change_counts_real_hours() -> None:
    plan = plan_code(ALGOPIN, window("2026-10-24 16:00", "2026-10-25 11:00"), VIENNA)
    assert (
        plan.window.end.astimezone(UTC) - plan.window.start.astimezone(UTC) == 20 * HOUR
    )


def test_daily_across_clock_change_keeps_time_of_day() -> None:
    plan = plan_code(ALGOPIN, window("2026-03-01 16:00", "2026-04-09 11:00"), VIENNA)
    assert plan.kind is CodeKind.ALGOPIN_DAILY
    assert plan.window.end == local("2026-04-09 16:00")


def test_notes_first_use_and_no_revoke() -> None:
    long = plan_code(ALGOPIN, window("2026-12-01 16:00", "2026-12-04 11:00"), VIENNA)
    assert any("2026-12-02T16:00:00+01:00" in note for note in long.notes)
    assert any("cannot be revoked" in note for note in long.notes)
    short = plan_code(ALGOPIN, window("2026-12-01 16:00", "2026-12-01 20:00"), VIENNA)
    assert not any("before" in note for note in short.notes)


def test_keypad_aligns_to_the_minute_and_keeps_the_end() -> None:
    requested = Window(local("2026-12-01 16:00:42"), local("2026-12-04 11:00:00"))
    plan = plan_code((NUKI_KEYPAD,), requested, VIENNA)
    assert plan.window == window("2026-12-01 16:00", "2026-12-04 11:00")
    assert plan.notes == ()


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("345678", None),
        ("123456", "code_prefix"),
        ("345670", "code_digits"),
        ("34567", "code_length"),
        ("3456789", "code_length"),
        ("34a678", "code_digits"),
    ],
)
def test_keypad_code_problems(code: str, problem: str | None) -> None:
    assert code_problem(NUKI_KEYPAD, code) == problem


def test_algopins_cannot_be_chosen() -> None:
    assert code_problem(IGLOOHOME_HOURLY, "1234567") == "code_not_choosable"


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_keypad_codes_obey_the_rules(seed: int) -> None:
    taken = {"345678"}
    code = generate_code(NUKI_KEYPAD, taken)
    assert code_problem(NUKI_KEYPAD, code) is None
    assert code not in taken


ZONES = st.sampled_from(
    [
        VIENNA,
        KOLKATA,
        ZoneInfo("America/New_York"),
        ZoneInfo("Australia/Lord_Howe"),
        UTC,
    ]
)
MOMENTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=ZONES
)


@settings(max_examples=400, deadline=None)
@given(
    start=MOMENTS,
    length=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=367)),
    tz=ZONES,
)
# Found by this test: a window ending inside Vienna's repeated autumn hour, and one
# starting at a time Lord Howe's half-hour spring change skips.
@example(
    start=datetime(2026, 10, 25, 1, 59, tzinfo=ZoneInfo("Europe/Vienna")),
    length=timedelta(seconds=60, microseconds=1),
    tz=ZoneInfo("Europe/Vienna"),
)
@example(
    start=datetime(2026, 10, 4, 2, 0, fold=1, tzinfo=ZoneInfo("Australia/Lord_Howe")),
    length=timedelta(seconds=60),
    tz=ZoneInfo("Australia/Lord_Howe"),
)
def test_any_window_is_covered_or_refused(
    start: datetime, length: timedelta, tz: ZoneInfo
) -> None:
    requested = Window(start, start + length)
    try:
        plan = plan_code(ALGOPIN, requested, tz)
    except PlanRefused as err:
        assert err.key == "span_too_long"
        assert length > timedelta(days=366)
        return
    got = plan.window
    # In UTC: datetimes sharing a tzinfo compare by wall time, blind to a DST fold.
    assert got.start.astimezone(UTC) <= requested.start.astimezone(UTC)
    assert got.end.astimezone(UTC) >= requested.end.astimezone(UTC)
    start_local = got.start.astimezone(tz)
    assert (start_local.minute, start_local.second, start_local.microsecond) == (
        0,
        0,
        0,
    )
    real = got.end.astimezone(UTC) - got.start.astimezone(UTC)
    if plan.kind is CodeKind.ALGOPIN_HOURLY:
        assert HOUR <= real <= timedelta(hours=672)
        assert real % HOUR == timedelta(0)
        # Minimal: one hour less would not cover the stay.
        assert (
            got.end.astimezone(UTC) - HOUR < requested.end.astimezone(UTC)
            or real == HOUR
        )
    else:
        end_local = got.end.astimezone(tz)
        days = (end_local.date() - start_local.date()).days
        assert 29 <= days <= 367
        assert (
            end_local.time() == start_local.time()
            or end_local.utcoffset() != start_local.utcoffset()
        )
        assert real > timedelta(hours=672)
