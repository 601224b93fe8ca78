"""Every shape of real feed issue #21 lists, read into the right stays.

Merged feeds, one bad event among good ones, Exchange / Office 365 and custom time
zones, floating times with X-WR-TIMEZONE, Google's recurring events, closures and
blocks in our users' languages. Each fixture is written from the platforms' exports.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations.feed import (
    DEFAULT_BLOCK_PATTERNS,
    FeedRead,
    SkippedEvent,
    is_blocked,
    read_feed,
    skip_summary,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ics"
VIENNA = ZoneInfo("Europe/Vienna")
HORIZON = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


def read(name: str, tz: ZoneInfo = VIENNA) -> FeedRead:
    text = (FIXTURES / name).read_bytes().decode("utf-8", errors="replace")
    return read_feed(text, tz, time(16), time(11), horizon=HORIZON)


def at(day: str, hour: int, minute: int = 0, tz: ZoneInfo = VIENNA) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=tz)


def spans(reservations: list[Reservation]) -> list[tuple[str, datetime, datetime]]:
    return [(r.uid, r.start, r.end) for r in reservations]


def test_merged_listing_headers_inline() -> None:
    """A merging tool's output: each listing's PRODID, VERSION, CALSCALE, METHOD inline."""
    result = read("merged-airbnb-inline.ics")

    assert spans(result.reservations) == [
        ("a1-1@airbnb.com", at("2027-01-05", 16), at("2027-01-09", 11)),
        ("a2-1@airbnb.com", at("2027-01-06", 16), at("2027-01-08", 11)),
        ("a1-2@airbnb.com", at("2027-01-10", 16), at("2027-01-12", 11)),
    ]
    assert [r.phone_last4 for r in result.reservations] == ["1111", "2222", None]
    assert result.skipped == ()


def test_concatenated_calendars_are_one_feed() -> None:
    result = read("merged-concatenated.ics")

    assert [r.uid for r in result.reservations] == [
        "c1@airbnb.com",
        "c2@vrbo.com",
        "c3@vrbo.com",
    ]


def test_one_bad_event_costs_only_itself() -> None:
    result = read("one-bad-event.ics")

    assert [r.uid for r in result.reservations] == [
        "good1@booking.com",
        "good2@booking.com",
    ]
    assert result.skipped == (
        SkippedEvent("backwards@booking.com", "ends before it starts"),
        SkippedEvent("nostart@booking.com", "no DTSTART"),
        SkippedEvent(
            "emptyparam@booking.com", "DTSTART has a parameter that cannot be read"
        ),
        SkippedEvent("absurd@booking.com", "DURATION cannot be read"),
    )
    assert skip_summary(result.skipped) == (
        "ends before it starts (1); no DTSTART (1); "
        "DTSTART has a parameter that cannot be read (1); DURATION cannot be read (1)"
    )


def test_skip_summary_is_bounded() -> None:
    skipped = [SkippedEvent(None, f"reason {n % 8}") for n in range(100)]
    assert skip_summary(skipped).count("(") == 5
    assert skip_summary(skipped).endswith("; …")


def test_exchange_time_zones() -> None:
    """Windows names through CLDR, a custom zone, UTC+11, an undefined TZID."""
    result = read("exchange-office365.ics")
    by_summary = {r.summary: r for r in result.reservations}

    berlin = ZoneInfo("Europe/Berlin")
    assert by_summary["Family visit"].start == at("2027-04-05", 15, tz=berlin)
    assert by_summary["Family visit"].end == at("2027-04-09", 10, tz=berlin)
    # "Customized Time Zone": -04:00 from April's first Sunday, -03:00 from September's.
    assert by_summary["Visita"].start == datetime(2027, 6, 12, 18, tzinfo=UTC)
    noumea = timezone(timedelta(hours=11))
    assert by_summary["Guest from Noumea"].start == datetime(
        2027, 7, 1, 15, tzinfo=noumea
    )
    paris = ZoneInfo("Europe/Paris")
    assert by_summary["Guest from Berlin"].start == at("2027-08-01", 15, tz=paris)
    # No X-WR-TIMEZONE: an undefined zone falls back on Home Assistant's.
    assert by_summary["Guest in an undefined zone"].start == at("2027-09-01", 15)
    assert all(r.start.tzinfo == VIENNA for r in result.reservations)
    assert result.notes == (
        "TZID 'UTC+11' read as the fixed offset UTC+11:00",
        "TZID 'Tasmania Custom' is not defined: read in Europe/Vienna (Home Assistant's time zone)",
    )


def test_full_history_vtimezone_and_x_wr_timezone_fallback() -> None:
    """Rules ending in UNTIL=…Z, then open-ended ones; undefined TZID -> X-WR-TIMEZONE."""
    result = read("custom-zone-history.ics")
    paris = ZoneInfo("Europe/Paris")

    assert spans(result.reservations) == [
        (
            "tb-1@thunderbird",
            at("2027-07-10", 16, tz=paris),
            at("2027-07-14", 11, tz=paris),
        ),
        (
            "tb-3@thunderbird",
            at("2027-09-01", 16, tz=paris),
            at("2027-09-03", 11, tz=paris),
        ),
        (
            "tb-2@thunderbird",
            at("2027-12-10", 16, tz=paris),
            at("2027-12-14", 11, tz=paris),
        ),
    ]
    assert result.notes == (
        "TZID 'Central Europe (custom)' is not defined: read in Europe/Paris (X-WR-TIMEZONE)",
    )


def test_floating_times_are_read_in_x_wr_timezone() -> None:
    """A feed kept in New York's time read by a Home Assistant in Rome: not 6 h off."""
    rome = ZoneInfo("Europe/Rome")
    new_york = ZoneInfo("America/New_York")
    result = read("floating-x-wr-timezone.ics", tz=rome)

    first, second = result.reservations
    assert first.start == at("2027-05-02", 15, tz=new_york)
    assert first.start.tzinfo == rome
    assert first.start.hour == 21
    # Across the end of summer time on either side of the Atlantic.
    assert second.start == at("2027-11-03", 15, tz=new_york)


def test_google_recurring_events() -> None:
    """A weekly series with a date-only UNTIL, an EXDATE and a moved occurrence."""
    result = read("google-recurring.ics")
    rome = ZoneInfo("Europe/Rome")
    series = "5sdm0a8s9d8f7@google.com"

    assert [(r.uid, r.start, r.end, r.summary) for r in result.reservations] == [
        (f"{series}#20270105T150000Z", at("2027-01-05", 16, tz=rome), at("2027-01-07", 10, tz=rome), "Weekly guest"),
        (f"{series}#20270112T150000Z", at("2027-01-13", 16, tz=rome), at("2027-01-15", 10, tz=rome), "Weekly guest (moved)"),
        (f"{series}#20270126T150000Z", at("2027-01-26", 16, tz=rome), at("2027-01-28", 10, tz=rome), "Weekly guest"),
        ("monthly@google.com#20270301", at("2027-03-01", 16), at("2027-03-04", 11), "Monthly family stay"),
        ("monthly@google.com#20270401", at("2027-04-01", 16), at("2027-04-04", 11), "Monthly family stay"),
        ("monthly@google.com#20270501", at("2027-05-01", 16), at("2027-05-04", 11), "Monthly family stay"),
    ]  # fmt: skip


def test_recurrences_stay_within_the_horizon() -> None:
    text = (FIXTURES / "google-recurring.ics").read_text(encoding="utf-8")
    horizon = (datetime(2027, 1, 20, tzinfo=UTC), datetime(2027, 3, 2, tzinfo=UTC))

    result = read_feed(text, VIENNA, time(16), time(11), horizon=horizon)

    assert [r.uid.split("#")[1] for r in result.reservations] == [
        "20270112T150000Z",  # the moved occurrence is an event of its own
        "20270126T150000Z",
        "20270301",
    ]


@pytest.mark.parametrize(
    "summary",
    ["Indisponible", "Nicht verfügbar", "Non disponibile", "No disponible", "Ej tillgänglig",
     "Nedostupné", "Airbnb (Non disponible)", "Airbnb (Nicht verfügbar)", "Not available",
     "Unavailable", "Blocked", "Bloqué", "Gesperrt", "Inte tillgänglig", "Blokováno"],
)  # fmt: skip
def test_block_words_in_our_users_languages(summary: str) -> None:
    assert is_blocked(summary, DEFAULT_BLOCK_PATTERNS)


@pytest.mark.parametrize(
    "summary",
    ["CLOSED - Not available", "Reserved", "Réservé - Jean Dupont", "Reservado - Ana García",
     "Nicht verfügbar lassen für Anna", "Indisponible?? Jean arrive"],
)  # fmt: skip
def test_stays_are_not_blocks(summary: str) -> None:
    assert not is_blocked(summary, DEFAULT_BLOCK_PATTERNS)


def test_blocks_fixture() -> None:
    result = read("blocks-languages.ics")
    stays = [
        r
        for r in result.reservations
        if not is_blocked(r.summary, DEFAULT_BLOCK_PATTERNS)
    ]
    assert [r.uid for r in stays] == ["stay@abritel.fr", "stay2@abritel.fr"]
