"""What names a booking in a stay's description, on its own (no hass)."""

from __future__ import annotations

import ast
from datetime import datetime, time
from pathlib import Path
from time import monotonic
from zoneinfo import ZoneInfo

import pytest

from custom_components.lockbooking.reservations import identity
from custom_components.lockbooking.reservations.feed import (
    MAX_DESCRIPTION_CHARS,
    make_reservation,
    read_feed,
)
from custom_components.lockbooking.reservations.identity import stay_reference

FEEDS = Path(__file__).parent.parent / "fixtures" / "ics"
VIENNA = ZoneInfo("Europe/Vienna")


def test_the_module_imports_nothing_of_home_assistant() -> None:
    tree = ast.parse(Path(identity.__file__).read_text())
    imported = {
        node.module or "" if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name.startswith("homeassistant") for name in imported)


def test_every_airbnb_reservation_of_the_samples_has_its_code() -> None:
    for name in ("airbnb-1.0.ics", "airbnb-0.8.8.ics"):
        read = read_feed(
            (FEEDS / name).read_text(encoding="utf-8"), VIENNA, time(16), time(11)
        )
        stays = [r for r in read.reservations if r.summary == "Reserved"]
        assert stays
        for stay in stays:
            assert stay.reference is not None
            assert stay.reference.startswith("HM")
            assert stay.reference in (stay.description or "")
        assert len({r.reference for r in stays}) == len(stays)


def test_booking_com_events_carry_no_reference() -> None:
    read = read_feed(
        (FEEDS / "booking-com.ics").read_text(encoding="utf-8"),
        VIENNA,
        time(16),
        time(11),
    )
    assert read.reservations
    assert {r.reference for r in read.reservations} == {None}


@pytest.mark.parametrize(
    ("description", "reference"),
    [
        (
            "Reservation URL: https://www.airbnb.com/hosting/reservations/details/"
            "HMY1D6SD91\nPhone Number (Last 4 Digits): 4144",
            "HMY1D6SD91",
        ),
        # The same booking on another Airbnb domain, in lower case.
        (
            "https://www.airbnb.de/hosting/reservations/details/hmy1d6sd91",
            "HMY1D6SD91",
        ),
        ("Confirmation code: HMY1D6SD91", "HMY1D6SD91"),
        ("Booking number: 4711223344\nGuests: 2", "4711223344"),
        ("Reservation ID: HA-1234AB", "HA-1234AB"),
        ("reservation no. 998877", "998877"),
        ("Booking #55123", "55123"),
        (
            "See https://app.example.com/Reservations/123456?tab=guest.",
            "app.example.com/Reservations/123456?tab=guest",
        ),
        (
            "See https://www.example.com/reservations/123456#notes",
            "example.com/reservations/123456",
        ),
        # Nothing that names one booking.
        (None, None),
        ("", None),
        ("Booking 4711\nGuests: 2", None),
        ("Booking from Airbnb", None),
        ("Reservation number: pending", None),
        ("Reservation URL: see the app", None),
        ("Listing: https://example.com/rooms/seaside", None),
        ("Managed by https://example.com/bookings", None),
        ("Phone Number (Last 4 Digits): 4144", None),
    ],
)
def test_reference(description: str | None, reference: str | None) -> None:
    assert stay_reference(description) == reference


@pytest.mark.parametrize(
    "text",
    [
        "reservation " * 400,
        "Booking number: " + "9" * 3000,
        "https://" + "a" * 5000,
        "https://x/" + "reservation/" * 500,
        "airbnb." + "a." * 2000,
    ],
)
def test_any_description_is_read_quickly(text: str) -> None:
    started = monotonic()
    stay_reference(text[:MAX_DESCRIPTION_CHARS])
    stay_reference(text)
    assert monotonic() - started < 0.1


def test_a_stay_built_from_an_event_carries_its_reference() -> None:
    start = make_reservation(
        "uid",
        "Reserved",
        datetime(2026, 8, 24, 16, tzinfo=VIENNA),
        datetime(2026, 8, 27, 11, tzinfo=VIENNA),
        "Confirmation code: HMABC12345",
    )
    assert start.reference == "HMABC12345"
