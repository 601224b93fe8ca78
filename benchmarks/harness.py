"""What every benchmark shares: a Home Assistant to run in, a clock, timing, the table.

Each benchmark runs lockbooking in-process, in a Home Assistant built by the test
harness (pytest-homeassistant-custom-component) in a throw-away config folder, with
stubbed vendors (`stub_vendor.py`) and feeds served from localhost (`feed_server.py`):
no vendor and no booking platform is ever reached.
"""

from __future__ import annotations

import atexit
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import gc
import shutil
import statistics
import tempfile
import time
from typing import Any
from unittest.mock import patch

# pytest-homeassistant-custom-component ships a `custom_components` package of its
# own: ours must be imported first so Home Assistant's loader finds lockbooking.
import custom_components.lockbooking  # noqa: F401  # isort: skip
from aiohttp.resolver import AsyncResolver
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

DOMAIN = "lockbooking"
TIME_ZONE = "Europe/Vienna"


@asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """Run a Home Assistant in a throw-away config folder, custom integrations on."""
    # Removed at exit, not on leaving: Home Assistant's last writes may still be on
    # their way from the executor when it has stopped.
    config_dir = tempfile.mkdtemp(prefix="lockbooking-bench-")
    atexit.register(shutil.rmtree, config_dir, ignore_errors=True)
    with (
        # Home Assistant's resolver asks zeroconf, which needs the network integration;
        # the feeds are on 127.0.0.1, so a plain resolver does (as in Home Assistant's tests).
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            side_effect=lambda hass: AsyncResolver(),
        ),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            await hass.config.async_set_time_zone(TIME_ZONE)
            yield hass


async def async_add_entry(
    hass: HomeAssistant,
    title: str,
    unique_id: str,
    data: dict[str, Any],
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Add a config entry and set it up; fail loudly if it does not load."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=unique_id,
        data=data,
        options=options or {},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id), title
    await hass.async_block_till_done()
    return entry


class Clock:
    """A wall clock the benchmark moves: lockbooking reads time through `dt_util.utcnow`."""

    def __init__(self, start: datetime) -> None:
        """Start at `start` (aware)."""
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        """Tell the current time, as `dt_util.utcnow` does."""
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move the clock on."""
        self.now += delta


@contextmanager
def frozen_clock(start: datetime) -> Iterator[Clock]:
    """Patch Home Assistant's `utcnow` (which lockbooking uses everywhere) with a Clock."""
    clock = Clock(start)
    with patch.object(dt_util, "utcnow", clock):
        yield clock


def median_ms(samples: list[float]) -> float:
    """Give the median of samples taken in seconds, in milliseconds."""
    return statistics.median(samples) * 1000


# A sample lasts at least this long: work shorter than that is repeated within the
# sample and averaged, so a timer's resolution and a cold cache do not decide the figure.
MIN_SAMPLE = 0.02


async def async_time(work: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    """Seconds one await of `work()` takes, one figure per run (collected between runs)."""
    started = time.perf_counter()
    await work()  # warm-up, and the measure of how often to repeat it
    repeat = max(1, int(MIN_SAMPLE / max(time.perf_counter() - started, 1e-9)))
    samples: list[float] = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        for _ in range(repeat):
            await work()
        samples.append((time.perf_counter() - started) / repeat)
    return samples


def time_sync(work: Callable[[], Any], runs: int) -> list[float]:
    """Seconds one call of `work()` takes, one figure per run (collected between runs)."""
    started = time.perf_counter()
    work()
    repeat = max(1, int(MIN_SAMPLE / max(time.perf_counter() - started, 1e-9)))
    samples: list[float] = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        for _ in range(repeat):
            work()
        samples.append((time.perf_counter() - started) / repeat)
    return samples


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure, with its goal and whether it met it (None: no goal)."""

    benchmark: str
    measure: str
    value: str
    goal: str = ""
    met: bool | None = None

    @property
    def verdict(self) -> str:
        """What the table says about the goal."""
        return {True: "met", False: "MISSED", None: ""}[self.met]


def table(figures: list[Figure]) -> str:
    """Lay the figures out as a Markdown table (readable in a terminal too)."""
    header = ("Benchmark", "Measure", "Value", "Goal", "")
    rows = [
        header,
        *((f.benchmark, f.measure, f.value, f.goal, f.verdict) for f in figures),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "| "
        + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
