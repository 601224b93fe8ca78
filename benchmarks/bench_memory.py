"""Memory: growth per 1,000 reservations and per 100 ledger entries.

Measured twice: as resident memory (RSS, what the operating system sees: the figure a
Raspberry Pi runs out of) and as Python's traced allocations (tracemalloc: exact, with
none of the allocator's slack). Each figure is the slope of a least-squares line through
several sizes, so the Home Assistant around lockbooking is not counted.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
import gc
import os
import statistics
import tracemalloc
from zoneinfo import ZoneInfo

from custom_components.lockbooking.code_record import CodeRecord, CodeStatus
from custom_components.lockbooking.ledger import LEDGER
from homeassistant.components.calendar.const import DATA_COMPONENT

from .feeds import FeedServer, airbnb_feed, stays
from .harness import TIME_ZONE, Figure, async_add_entry, frozen_clock, home_assistant
from .stub_vendor import stub_account_data, stub_vendors

RESERVATION_STEPS = (0, 1000, 2000, 4000, 6000)
LEDGER_STEPS = (0, 100, 200, 300, 400, 500)
TZ = ZoneInfo(TIME_ZONE)
NOW = datetime(2027, 1, 1, 9, tzinfo=TZ)
PAGE = os.sysconf("SC_PAGE_SIZE")


def _resident() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE


def _measure() -> tuple[int, int]:
    """Resident and traced bytes, after a full garbage collection."""
    gc.collect()
    return _resident(), tracemalloc.get_traced_memory()[0]


def _slope(sizes: tuple[int, ...], values: list[int], per: int) -> float:
    """Bytes per `per` units, fitted through every size."""
    return statistics.linear_regression(sizes, values).slope * per


async def async_run(runs: int) -> list[Figure]:
    """Grow the reservations, then the ledger, measuring at each size."""
    del runs  # one pass: the figures are fitted through several sizes instead
    server = FeedServer()
    tracemalloc.start()
    try:
        with stub_vendors(), frozen_clock(NOW):
            async with home_assistant() as hass:
                await server.async_start()
                try:
                    reservations = await _async_grow_reservations(hass, server)
                    ledger = await _async_grow_ledger(hass)
                finally:
                    await server.async_stop()
    finally:
        tracemalloc.stop()
    name = "5. Memory"
    return [
        Figure(
            name,
            "per 1,000 reservations (resident / traced)",
            f"{reservations[0] / 1024:.0f} KiB / {reservations[1] / 1024:.0f} KiB",
        ),
        Figure(
            name,
            "per 100 ledger entries (resident / traced)",
            f"{ledger[0] / 1024:.0f} KiB / {ledger[1] / 1024:.0f} KiB",
        ),
    ]


async def _async_grow_reservations(hass, server: FeedServer) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Grow a feed; show every stay once in the calendar too (which keeps its event)."""
    await async_add_entry(
        hass,
        "bench_keypad",
        "bench_keypad",
        stub_account_data("bench_keypad", "keypad", 2),
    )
    events = stays(
        max(RESERVATION_STEPS), date(2027, 1, 10), seed=5, blocks=0, units=20
    )
    server.feeds["grow"] = airbnb_feed([])
    entry = await async_add_entry(
        hass,
        "Growing",
        "grow",
        {
            "kind": "reservations",
            "name": "Growing",
            "url": server.url("grow"),
            "locks": ["bench_keypad:lock000", "bench_keypad:lock001"],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        {"auto_issue": False},
    )
    calendar = hass.data[DATA_COMPONENT].get_entity("calendar.growing")
    resident, traced = [], []
    for size in RESERVATION_STEPS:
        server.feeds["grow"] = airbnb_feed(events[:size])
        await entry.runtime_data.coordinator.async_refresh()
        await hass.async_block_till_done()
        assert len(entry.runtime_data.coordinator.data) == size
        await calendar.async_get_events(
            hass, NOW - timedelta(days=1), NOW + timedelta(days=3650)
        )
        rss, py = _measure()
        resident.append(rss)
        traced.append(py)
    return _slope(RESERVATION_STEPS, resident, 1000), _slope(
        RESERVATION_STEPS, traced, 1000
    )


async def _async_grow_ledger(hass) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Codes put into the ledger one by one, as issues put them."""
    ledger = hass.data[LEDGER]
    resident, traced = [], []
    added = 0
    for size in LEDGER_STEPS:
        while added < size:
            start = datetime.combine(
                date(2027, 1, 2) + timedelta(days=added), time(16), TZ
            )
            await ledger.async_put(
                CodeRecord(
                    uid=f"{added:08x}-stay@airbnb.com",
                    lock_key="bench_keypad:lock000",
                    lock_name="Front door",
                    name="Reserved",
                    requested_start=start.isoformat(),
                    requested_end=(start + timedelta(days=3, hours=-5)).isoformat(),
                    status=CodeStatus.ISSUED,
                    kind="keypad",
                    code=f"{345678 + added}",
                    vendor_id=f"auth-{added}",
                    starts=start.isoformat(),
                    ends=(start + timedelta(days=3, hours=-5)).isoformat(),
                )
            )
            added += 1
        await hass.async_block_till_done()
        rss, py = _measure()
        resident.append(rss)
        traced.append(py)
    return _slope(LEDGER_STEPS, resident, 100), _slope(LEDGER_STEPS, traced, 100)
