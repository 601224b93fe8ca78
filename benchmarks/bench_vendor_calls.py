"""Vendor calls: 20 locks on three accounts, 1,000 reservations over a year.

Two measurements:
- a year of operation, simulated in 6-hour steps (accounts and feeds refreshed, automatic
  mode run, arrivals looked for, the ledger pruned daily) with late bookings and
  cancellations: how many code writes and log reads each reservation cost, and how the
  feeds were fetched;
- steady state: refreshes while nothing changes, counted call by call.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
import random
import time as wall
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from custom_components.lockbooking.const import (
    EVENT_GUEST_ARRIVED,
    EVENT_GUEST_NOT_ARRIVED,
)
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.reservations import (
    coordinator as reservations_module,
)

from .feeds import FeedServer, Stay, airbnb_feed, stays
from .harness import TIME_ZONE, Figure, async_add_entry, frozen_clock, home_assistant
from .stub_vendor import (
    StubVendor,
    issues_by_window,
    stub_account_data,
    stub_vendors,
    total_calls,
)

# Three accounts, 20 locks; ten rentals with two locks each.
ACCOUNTS = (
    ("bench_keypad", "keypad", 8),
    ("bench_algopin", "algopin", 6),
    ("bench_visitor", "visitor", 6),
)
RENTALS = 10
STAYS_PER_RENTAL = 100
LATE_BOOKINGS = 0.10  # booked 30 h before check-in
CANCELLATIONS = 0.05  # cancelled 24 h before check-in, after the code was issued
STEP = timedelta(hours=6)
STEADY_REFRESHES = 50
TZ = ZoneInfo(TIME_ZONE)
START = datetime(2027, 1, 4, 12, tzinfo=TZ)
CHECKIN, CHECKOUT = time(16), time(11)


@dataclass(frozen=True, slots=True)
class Booking:
    """A stay and when the feed shows it."""

    stay: Stay
    listed_from: datetime
    listed_until: datetime | None  # cancelled then

    @property
    def checkin(self) -> datetime:
        """Check-in as lockbooking reads it (all-day event, entry's check-in time)."""
        return datetime.combine(self.stay.checkin, CHECKIN, tzinfo=TZ)

    def listed(self, now: datetime) -> bool:
        """Whether the feed shows the stay at `now`."""
        return self.listed_from <= now and (
            self.listed_until is None or now < self.listed_until
        )


def bookings_of(rental: int) -> list[Booking]:
    """Plan a year of a rental's stays, some booked late and some cancelled."""
    rng = random.Random(rental)
    result = []
    for stay in stays(
        STAYS_PER_RENTAL,
        START.date() + timedelta(days=2),
        seed=rental,
        blocks=0,
        max_nights=5,
    ):
        checkin = datetime.combine(stay.checkin, CHECKIN, tzinfo=TZ)
        roll = rng.random()
        if roll < LATE_BOOKINGS:
            result.append(Booking(stay, checkin - timedelta(hours=30), None))
        elif roll < LATE_BOOKINGS + CANCELLATIONS:
            result.append(Booking(stay, START, checkin - timedelta(hours=24)))
        else:
            result.append(Booking(stay, START, None))
    return result


def lock_keys_of(rental: int) -> list[str]:
    """Name the two locks of a rental, on the account its number falls to."""
    slot = rental * 2
    for name, _, count in ACCOUNTS:
        if slot < count:
            return [f"{name}:lock{slot:03d}", f"{name}:lock{slot + 1:03d}"]
        slot -= count
    raise AssertionError(rental)


def revocable(rental: int) -> bool:
    """Whether the rental's locks take back codes (algoPINs cannot be revoked)."""
    return not lock_keys_of(rental)[0].startswith("bench_algopin")


async def async_run(runs: int) -> list[Figure]:
    """Simulate the year once (its counts do not vary), then the steady state."""
    del runs
    parses = Counter[str]()
    real_read = reservations_module.read_feed

    def counting_read(*args: Any, **kwargs: Any) -> Any:
        parses["parse"] += 1
        return real_read(*args, **kwargs)

    server = FeedServer()
    with (
        stub_vendors(),
        patch.object(StubVendor, "poll_interval", timedelta(days=1)),
        patch.object(reservations_module, "read_feed", counting_read),
        frozen_clock(START) as clock,
    ):
        async with home_assistant() as hass:
            await server.async_start()
            try:
                return await _async_simulate(hass, server, clock, parses)
            finally:
                await server.async_stop()


async def _async_simulate(hass, server, clock, parses) -> list[Figure]:  # type: ignore[no-untyped-def]
    bookings = {rental: bookings_of(rental) for rental in range(RENTALS)}

    def publish() -> None:
        for rental, rental_bookings in bookings.items():
            server.feeds[f"rental{rental}"] = airbnb_feed(
                [b.stay for b in rental_bookings if b.listed(clock.now)]
            )

    publish()
    accounts = [
        await async_add_entry(hass, name, name, stub_account_data(name, flavour, count))
        for name, flavour, count in ACCOUNTS
    ]
    feeds = [
        await async_add_entry(
            hass,
            f"Rental {rental}",
            f"rental{rental}",
            {
                "kind": "reservations",
                "name": f"Rental {rental}",
                "url": server.url(f"rental{rental}"),
                "locks": lock_keys_of(rental),
                "checkin_time": "16:00:00",
                "checkout_time": "11:00:00",
            },
        )
        for rental in range(RENTALS)
    ]
    ledger = hass.data[LEDGER]
    arrivals = Counter[str]()
    for event_type in (EVENT_GUEST_ARRIVED, EVENT_GUEST_NOT_ARRIVED):
        hass.bus.async_listen(
            event_type, lambda event: arrivals.update([event.event_type])
        )
    end = max(
        datetime.combine(b.stay.checkout, CHECKOUT, tzinfo=TZ)
        for bs in bookings.values()
        for b in bs
    )
    refreshes = 0
    started = wall.perf_counter()
    last_prune = clock.now
    while clock.now < end + timedelta(days=1):
        clock.advance(STEP)
        publish()
        await _async_refresh_all(hass, accounts, feeds)
        refreshes += 1
        if clock.now - last_prune >= timedelta(days=1):
            await ledger.async_prune()
            last_prune = clock.now
    year_seconds = wall.perf_counter() - started
    calls = total_calls()
    reservations = sum(len(bs) for bs in bookings.values())
    cancelled = [
        (rental, b)
        for rental, bs in bookings.items()
        for b in bs
        if b.listed_until is not None
    ]
    expected_issues = reservations * 2
    expected_revokes = sum(2 for rental, _ in cancelled if revocable(rental))
    windows = issues_by_window()
    most_per_window = max(windows.values())
    list_per_refresh = calls["async_get_locks"] / (refreshes * len(ACCOUNTS))
    fetches = server.answered(200) + server.answered(304)
    served = Counter(
        "algopin" if not revocable(rental) else "reporting"
        for rental, bs in bookings.items()
        for b in bs
        if b.listed_until is None
    )
    name = "1. Vendor calls (year)"
    figures = [
        Figure(
            name,
            "simulated",
            f"{refreshes} refreshes of 3 accounts + {RENTALS} feeds, {reservations} stays, {len(cancelled)} cancelled, {year_seconds:.1f} s",
        ),
        Figure(
            name,
            "list calls per account per refresh",
            f"{list_per_refresh:.2f}",
            "1",
            list_per_refresh <= 1.0 + 1 / refreshes,
        ),
        Figure(
            name,
            "code issues",
            f"{calls['async_issue_code']} for {reservations} stays x 2 locks",
            f"= {expected_issues}",
            calls["async_issue_code"] == expected_issues,
        ),
        Figure(
            name,
            "issues per stay and lock (most / stays-locks served)",
            f"{most_per_window} / {len(windows)}",
            f"1 / {expected_issues}",
            most_per_window == 1 and len(windows) == expected_issues,
        ),
        Figure(
            name,
            "code revokes",
            f"{calls['async_revoke_code']} for {len(cancelled)} cancellations",
            f"= {expected_revokes} (revocable locks)",
            calls["async_revoke_code"] == expected_revokes,
        ),
        Figure(
            name,
            "look-ups at the vendor",
            str(calls["async_find_codes"]),
            "0",
            calls["async_find_codes"] == 0,
        ),
        Figure(
            name,
            "log reads per stay on locks that report code use",
            f"{calls['async_get_code_uses']} for {served['reporting']} stays x 2 locks",
            f"<= {served['reporting'] * 2}",
            calls["async_get_code_uses"] <= served["reporting"] * 2,
        ),
        Figure(
            name,
            "arrivals / not-arrived warnings",
            f"{arrivals[EVENT_GUEST_ARRIVED]} / {arrivals[EVENT_GUEST_NOT_ARRIVED]}",
            f"{served['reporting']} / {served['algopin']} (algoPIN stays)",
            arrivals[EVENT_GUEST_ARRIVED] == served["reporting"]
            and arrivals[EVENT_GUEST_NOT_ARRIVED] == served["algopin"],
        ),
        Figure(
            name,
            "feed fetches: 304 / 200 / parses",
            f"{server.answered(304)} / {server.answered(200)} / {parses['parse']}",
            "parses = 200s",
            parses["parse"] == server.answered(200),
        ),
        Figure(
            name,
            "share of fetches answered 304",
            f"{server.answered(304) / fetches:.1%}",
        ),
    ]
    figures += await _async_steady_state(hass, server, accounts, feeds, parses)
    return figures


async def _async_refresh_all(hass, accounts, feeds) -> None:  # type: ignore[no-untyped-def]
    """One round: every account and feed refreshed, automatic mode run after each feed."""
    for entry in accounts:
        await entry.runtime_data.coordinator.async_refresh()
    for entry in feeds:
        await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    for entry in feeds:
        await entry.runtime_data.arrivals.async_run()


async def _async_steady_state(hass, server, accounts, feeds, parses) -> list[Figure]:  # type: ignore[no-untyped-def]
    """Refresh with nothing changed and count each kind of call per refresh."""
    before = total_calls()
    answers = (server.answered(200), server.answered(304))
    parsed = parses["parse"]
    for _ in range(STEADY_REFRESHES):
        await _async_refresh_all(hass, accounts, feeds)
    calls = total_calls() - before
    writes = sum(calls[kind] for kind in ("async_issue_code", "async_revoke_code"))
    reads = calls["async_get_code_uses"]
    not_modified = server.answered(304) - answers[1]
    full = server.answered(200) - answers[0]
    per_feed = not_modified / (STEADY_REFRESHES * len(feeds))
    name = "1. Vendor calls (steady)"
    return [
        Figure(
            name,
            "list calls per account per refresh",
            f"{calls['async_get_locks'] / (STEADY_REFRESHES * len(accounts)):.2f}",
            "1",
            calls["async_get_locks"] == STEADY_REFRESHES * len(accounts),
        ),
        Figure(
            name,
            "code writes per refresh",
            f"{writes / STEADY_REFRESHES:.2f}",
            "0",
            writes == 0,
        ),
        Figure(
            name,
            "log reads per refresh (no stay under way)",
            f"{reads / STEADY_REFRESHES:.2f}",
            "0",
            reads == 0,
        ),
        Figure(
            name,
            "unchanged feed: 304s per refresh",
            f"{per_feed:.2f} (200s: {full})",
            "1, no 200",
            per_feed == 1 and full == 0,
        ),
        Figure(
            name,
            "unchanged feed: parses",
            str(parses["parse"] - parsed),
            "0",
            parses["parse"] == parsed,
        ),
    ]
