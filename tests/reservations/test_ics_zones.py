"""Time zones as feeds write them: `ics_zones`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from custom_components.lockbooking.reservations.ics_scan import scan
from custom_components.lockbooking.reservations.ics_zones import (
    ZoneResolver,
    custom_zone,
    known_zone,
)

PARIS = ZoneInfo("Europe/Paris")
# Europe/Paris as Thunderbird writes its full history: rules ending in UNTIL=…Z.
PARIS_HISTORY = [
    ("DAYLIGHT", ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "DTSTART:19810329T020000", "RRULE:FREQ=YEARLY;UNTIL=19950326T010000Z;BYDAY=-1SU;BYMONTH=3"]),
    ("STANDARD", ["TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "DTSTART:19810927T030000", "RRULE:FREQ=YEARLY;UNTIL=19950924T010000Z;BYDAY=-1SU;BYMONTH=9"]),
    ("STANDARD", ["TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19961027T030000", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"]),
    ("DAYLIGHT", ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "DTSTART:19960331T020000", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tzid", "zone"),
    [
        ("Europe/Vienna", ZoneInfo("Europe/Vienna")),
        ('"Europe/Vienna"', ZoneInfo("Europe/Vienna")),
        ("W. Europe Standard Time", ZoneInfo("Europe/Berlin")),
        ("Eastern Standard Time", ZoneInfo("America/New_York")),
        ("Romance Standard Time", ZoneInfo("Europe/Paris")),
        ("UTC-02", ZoneInfo("Etc/GMT+2")),  # CLDR: Windows' UTC-02 is two hours behind
        ("UTC", ZoneInfo("UTC")),
    ],
)
def test_known_zones(tzid: str, zone: ZoneInfo) -> None:
    assert known_zone(tzid) == (zone, None)


@pytest.mark.parametrize(
    ("tzid", "offset"),
    [
        ("UTC+11", timedelta(hours=11)),
        ("UTC-05:30", -timedelta(hours=5, minutes=30)),
        ("GMT+0530", timedelta(hours=5, minutes=30)),
        (
            "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
            timedelta(hours=1),
        ),
    ],
)
def test_utc_offset_forms(tzid: str, offset: timedelta) -> None:
    zone, note = known_zone(tzid)
    assert zone == timezone(offset)
    assert note is not None
    assert "fixed offset" in note


@pytest.mark.parametrize(
    "tzid", ["Mars/Olympus", "UTC+99", "../../etc/passwd", "x" * 100, ""]
)
def test_unknown_zones(tzid: str) -> None:
    assert known_zone(tzid) == (None, None)


@pytest.mark.parametrize(
    "moment",
    [datetime(year, month, day, hour, tzinfo=UTC)
     for year in (1985, 1995, 1996, 2026, 2027, 2099)
     for month, day in ((1, 15), (3, 26), (3, 30), (3, 31), (9, 25), (9, 28), (10, 27), (10, 31), (7, 1))
     for hour in (0, 1, 2)],
)  # fmt: skip
def test_a_full_history_vtimezone_matches_the_iana_zone(moment: datetime) -> None:
    zone = custom_zone("Paris (history)", PARIS_HISTORY)
    assert zone is not None
    local = moment.astimezone(zone)
    assert local.replace(tzinfo=None) == moment.astimezone(PARIS).replace(tzinfo=None)
    wall = moment.astimezone(PARIS).replace(tzinfo=None, fold=0)
    if PARIS.utcoffset(wall) == PARIS.utcoffset(
        wall.replace(fold=1)
    ):  # not the repeated hour
        assert (
            wall.replace(tzinfo=zone).utcoffset()
            == wall.replace(tzinfo=PARIS).utcoffset()
        )
        assert zone.dst(local) == PARIS.dst(moment.astimezone(PARIS))
    assert zone.tzname(local) == "Paris (history)"


def test_custom_zone_edges() -> None:
    zone = custom_zone("Z", PARIS_HISTORY)
    assert zone is not None
    assert zone.utcoffset(None) == timedelta(hours=1)
    assert zone.dst(None) == timedelta(0)
    assert repr(zone) == "<VTIMEZONE Z>"
    # Before the first transition: the first one's offset before it.
    assert datetime(1900, 1, 1, tzinfo=zone).utcoffset() == timedelta(hours=1)
    assert datetime(1900, 1, 1, tzinfo=UTC).astimezone(zone).hour == 1


def test_rdate_observances_and_unreadable_ones() -> None:
    zone = custom_zone(
        "R",
        [
            ("STANDARD", ["TZOFFSETFROM:+0000", "TZOFFSETTO:+0300", "DTSTART:20200101T000000", "RDATE:20270101T000000,bad"]),
            ("DAYLIGHT", ["TZOFFSETFROM:+0300", "TZOFFSETTO:+0400", "DTSTART:20260601T000000"]),
            ("STANDARD", ["TZOFFSETFROM:+9900", "TZOFFSETTO:+0100", "DTSTART:20250101T000000"]),
            ("STANDARD", ["TZOFFSETTO:+0100"]),
        ],
    )  # fmt: skip
    assert zone is not None
    assert datetime(2026, 3, 1, tzinfo=zone).utcoffset() == timedelta(hours=3)
    assert datetime(2026, 7, 1, tzinfo=zone).utcoffset() == timedelta(hours=4)
    assert datetime(2026, 7, 1, tzinfo=zone).dst() == timedelta(hours=1)
    assert datetime(2027, 2, 1, tzinfo=zone).utcoffset() == timedelta(hours=3)
    assert custom_zone("none", [("STANDARD", ["TZOFFSETTO:+0100"])]) is None
    bad_rule = [("STANDARD", ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "DTSTART:20200101T000000", "RRULE:FREQ=NEVER"])]  # fmt: skip
    assert datetime(
        2026, 1, 1, tzinfo=custom_zone("b", bad_rule)
    ).utcoffset() == timedelta(hours=2)


def test_resolver_order_and_notes() -> None:
    feed = scan(
        "\r\n".join(
            ["BEGIN:VCALENDAR", "X-WR-TIMEZONE:America/Denver",
             "BEGIN:VTIMEZONE", "TZID:Europe/Vienna", "BEGIN:STANDARD", "TZOFFSETFROM:+0500", "TZOFFSETTO:+0500", "DTSTART:19700101T000000", "END:STANDARD", "END:VTIMEZONE",
             "BEGIN:VTIMEZONE", "TZID:Office", "BEGIN:STANDARD", "TZOFFSETFROM:+0500", "TZOFFSETTO:+0500", "DTSTART:19700101T000000", "END:STANDARD", "END:VTIMEZONE",
             "BEGIN:VTIMEZONE", "TZID:Broken", "BEGIN:STANDARD", "DTSTART:19700101T000000", "END:STANDARD", "END:VTIMEZONE",
             "END:VCALENDAR", ""]
        )
    )  # fmt: skip
    resolver = ZoneResolver(feed.vtimezones, feed.calendar_zone, PARIS)

    # An IANA name is the IANA zone, whatever the feed's VTIMEZONE says.
    assert resolver.zone("Europe/Vienna") == ZoneInfo("Europe/Vienna")
    assert datetime(
        2026, 1, 1, tzinfo=resolver.zone("Office")
    ).utcoffset() == timedelta(hours=5)
    assert resolver.zone("Office") is resolver.zone("Office")
    denver = ZoneInfo("America/Denver")
    assert resolver.zone("Broken") == denver
    assert resolver.zone("Nowhere") == denver
    assert resolver.floating == denver
    assert resolver.notes == [
        "VTIMEZONE 'Broken' cannot be read",
        "TZID 'Broken' is not defined: read in America/Denver (X-WR-TIMEZONE)",
        "TZID 'Nowhere' is not defined: read in America/Denver (X-WR-TIMEZONE)",
    ]


def test_an_unknown_x_wr_timezone_is_noted_and_ignored() -> None:
    resolver = ZoneResolver({}, "Atlantis/Capital", PARIS)
    assert resolver.floating is None
    assert resolver.zone("Nowhere") == PARIS
    assert resolver.notes == [
        "X-WR-TIMEZONE 'Atlantis/Capital' is not a known zone",
        "TZID 'Nowhere' is not defined: read in Europe/Paris (Home Assistant's time zone)",
    ]
