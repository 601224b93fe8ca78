"""Calendar queries: a year of 2,000 reservations, and a calendar trigger's 15-minute re-query.

The ledger holds a code on each of two locks for every stay (4,000 records, more than a
real one ever keeps: records are pruned 30 days after their stay), so each event's
description, which lists its codes, costs what it can cost at most.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time, timedelta
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from custom_components.lockbooking.code_record import CodeRecord, CodeStatus
from custom_components.lockbooking.ledger import STORAGE_KEY, STORAGE_VERSION
from homeassistant.components.calendar import CalendarEntity
from homeassistant.components.calendar.const import DATA_COMPONENT
from homeassistant.core import HomeAssistant

from .feeds import FeedServer, Stay, airbnb_feed, stays
from .harness import (
    TIME_ZONE,
    Figure,
    async_add_entry,
    async_time,
    frozen_clock,
    home_assistant,
    median_ms,
)
from .stub_vendor import stub_account_data, stub_vendors

RESERVATIONS = 2000
GOAL_MS = 5.0
TZ = ZoneInfo(TIME_ZONE)
FIRST = date(2027, 1, 1)
NOW = datetime(2027, 6, 1, 9, tzinfo=TZ)
TRIGGER_WINDOW = timedelta(
    minutes=15, seconds=1
)  # what Home Assistant's calendar trigger asks
LOCK_KEYS = ("bench_keypad:lock000", "bench_keypad:lock001")


async def async_run(runs: int) -> list[Figure]:
    """Query the calendar the ways Home Assistant does."""
    events = stays(RESERVATIONS, FIRST, seed=3, blocks=0, units=25)
    server = FeedServer()
    server.feeds["big"] = airbnb_feed(events)
    with stub_vendors(), frozen_clock(NOW):
        async with home_assistant() as hass:
            _write_ledger(hass, events)
            await server.async_start()
            try:
                return await _async_measure(hass, server, runs)
            finally:
                await server.async_stop()


def _write_ledger(hass: HomeAssistant, events: list[Stay]) -> None:
    """Write a ledger file with a code per stay and lock, as a restart would find it."""
    records = [
        asdict(
            CodeRecord(
                uid=stay.uid,
                lock_key=key,
                lock_name=f"Lock {number}",
                name="Reserved",
                requested_start=datetime.combine(
                    stay.checkin, time(16), TZ
                ).isoformat(),
                requested_end=datetime.combine(stay.checkout, time(11), TZ).isoformat(),
                status=CodeStatus.ISSUED,
                kind="keypad",
                code=f"{345678 + number}",
                vendor_id=f"v{number}",
            )
        )
        for stay in events
        for number, key in enumerate(LOCK_KEYS)
    ]
    storage = Path(hass.config.path(".storage"))
    storage.mkdir(exist_ok=True)
    (storage / STORAGE_KEY).write_text(
        json.dumps(
            {
                "version": STORAGE_VERSION,
                "minor_version": 1,
                "key": STORAGE_KEY,
                "data": {"codes": records},
            }
        ),
        encoding="utf-8",
    )


async def _async_measure(
    hass: HomeAssistant, server: FeedServer, runs: int
) -> list[Figure]:
    await async_add_entry(
        hass,
        "bench_keypad",
        "bench_keypad",
        stub_account_data("bench_keypad", "keypad", 2),
    )
    await async_add_entry(
        hass,
        "Big house",
        "big",
        {
            "kind": "reservations",
            "name": "Big house",
            "url": server.url("big"),
            "locks": list(LOCK_KEYS),
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        {"auto_issue": False, "auto_revoke": False},
    )
    entity: CalendarEntity = hass.data[DATA_COMPONENT].get_entity("calendar.big_house")
    year_start = datetime.combine(FIRST, time(0), TZ)
    year_end = year_start + timedelta(days=365)
    in_year = len(await entity.async_get_events(hass, year_start, year_end))

    async def year() -> None:
        await entity.async_get_events(hass, year_start, year_end)

    async def trigger() -> None:
        await entity.async_get_events(hass, NOW, NOW + TRIGGER_WINDOW)

    async def service() -> None:
        await hass.services.async_call(
            "calendar",
            "get_events",
            {
                "entity_id": "calendar.big_house",
                "start_date_time": year_start,
                "end_date_time": year_end,
            },
            blocking=True,
            return_response=True,
        )

    samples = max(runs, 21)
    year_ms = median_ms(await async_time(year, samples))
    trigger_ms = median_ms(await async_time(trigger, samples))
    service_ms = median_ms(await async_time(service, max(runs, 5)))
    name = "3. Calendar queries"
    return [
        Figure(
            name,
            f"async_get_events, one year ({in_year} of {RESERVATIONS} stays, 4000 codes)",
            f"{year_ms:.2f} ms",
            f"< {GOAL_MS:.0f} ms",
            year_ms < GOAL_MS,
        ),
        Figure(
            name,
            "calendar trigger's 15-minute re-query",
            f"{trigger_ms:.3f} ms",
            f"< {GOAL_MS:.0f} ms",
            trigger_ms < GOAL_MS,
        ),
        Figure(
            name,
            "calendar.get_events action, one year (with Home Assistant's serialising)",
            f"{service_ms:.1f} ms",
        ),
    ]
