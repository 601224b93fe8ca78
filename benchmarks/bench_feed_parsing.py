"""Feed parsing: fetch-to-reservations for a 5,000-event Airbnb-style feed and the real samples.

lockbooking (`async_fetch_feed` + `parse_feed`) side by side with the same fetch read by
`icalendar` (Rental Control's library) into the same reservations, in the same run;
both readers must give identical reservations or the benchmark fails.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

from custom_components.lockbooking.reservations.feed import parse_feed
from custom_components.lockbooking.reservations.feed_fetch import async_fetch_feed
from homeassistant.core import HomeAssistant

from .feeds import FeedServer, airbnb_feed, stays
from .harness import TIME_ZONE, Figure, async_time, home_assistant, median_ms, time_sync
from .icalendar_reader import read_with_icalendar

SYNTHETIC_EVENTS = 5000
SAMPLES = Path(__file__).parent.parent / "tests" / "fixtures" / "ics"
SAMPLE_NAMES = ("airbnb-1.0.ics", "airbnb-0.8.8.ics", "booking-com.ics")
GOAL_SPEEDUP = 2.0
TZ = ZoneInfo(TIME_ZONE)
CHECKIN, CHECKOUT = time(16), time(11)


async def async_run(runs: int) -> list[Figure]:
    """Time both readers on each feed."""
    feeds = {
        f"synthetic {SYNTHETIC_EVENTS} events": airbnb_feed(
            stays(SYNTHETIC_EVENTS, date(2027, 1, 1), seed=7, units=14)
        )
    }
    feeds |= {
        f"sample {name}": (SAMPLES / name).read_text(encoding="utf-8")
        for name in SAMPLE_NAMES
    }
    server = FeedServer()
    figures: list[Figure] = []
    async with home_assistant() as hass:
        await server.async_start()
        try:
            for number, (label, text) in enumerate(feeds.items()):
                server.feeds[f"feed{number}"] = text
                figures += await _async_compare(
                    hass, server.url(f"feed{number}"), label, text, runs
                )
        finally:
            await server.async_stop()
    return figures


async def _async_compare(
    hass: HomeAssistant, url: str, label: str, text: str, runs: int
) -> list[Figure]:
    ours = parse_feed(text, TZ, CHECKIN, CHECKOUT)
    theirs = read_with_icalendar(text, TZ, CHECKIN, CHECKOUT)
    if ours != theirs:
        raise AssertionError(f"{label}: the two readers disagree")

    async def fetch() -> None:
        await async_fetch_feed(
            hass, url, allow_http=True
        )  # the bench serves on loopback

    fetch_ms = median_ms(await async_time(fetch, runs))
    ours_ms = median_ms(
        time_sync(lambda: parse_feed(text, TZ, CHECKIN, CHECKOUT), runs)
    )
    theirs_ms = median_ms(
        time_sync(lambda: read_with_icalendar(text, TZ, CHECKIN, CHECKOUT), runs)
    )
    speedup = (fetch_ms + theirs_ms) / (fetch_ms + ours_ms)
    name = "2. Feed parsing"
    return [
        Figure(
            name,
            f"{label} ({len(ours)} stays, {len(text) // 1024} KiB): fetch-to-reservations",
            f"{fetch_ms + ours_ms:.1f} ms vs icalendar {fetch_ms + theirs_ms:.1f} ms (fetch {fetch_ms:.1f} ms)",
        ),
        Figure(
            name,
            f"{label}: speed-up over icalendar",
            f"{speedup:.1f}x (parsing alone {theirs_ms / ours_ms:.1f}x)",
            f"≥ {GOAL_SPEEDUP:.0f}x",
            speedup >= GOAL_SPEEDUP,
        ),
    ]
