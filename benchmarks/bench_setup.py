"""Setup and refresh: a vendor account of 50 locks, network excluded (the vendor is a stub).

Setup is timed the first time (devices and entities registered) and on a reload (as at
each Home Assistant start, when they already are); a refresh is one coordinator refresh
with the 150 entities' states written.
"""

from __future__ import annotations

import time

from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant

from .harness import DOMAIN, Figure, async_time, home_assistant, median_ms
from .stub_vendor import stub_account_data, stub_vendors

LOCKS = 50
SETUP_GOAL_MS = 200.0
REFRESH_GOAL_MS = 20.0


async def async_run(runs: int) -> list[Figure]:
    """Time set-ups in fresh Home Assistants, reloads and refreshes in the last one."""
    first: list[float] = []
    with stub_vendors():
        for _ in range(runs):
            async with home_assistant() as hass:
                entry = _entry()
                entry.add_to_hass(hass)
                started = time.perf_counter()
                assert await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()
                first.append(time.perf_counter() - started)
                entities = len(hass.states.async_entity_ids())
                reload = await async_time(
                    lambda entry=entry: _async_reload(hass, entry), runs
                )
                refresh = await async_time(
                    entry.runtime_data.coordinator.async_refresh, max(runs, 21)
                )
    name = "4. Setup and refresh"
    first_ms, reload_ms, refresh_ms = (
        median_ms(first),
        median_ms(reload),
        median_ms(refresh),
    )
    return [
        Figure(
            name,
            f"first setup, {LOCKS} locks ({entities} entities)",
            f"{first_ms:.1f} ms",
            f"< {SETUP_GOAL_MS:.0f} ms",
            first_ms < SETUP_GOAL_MS,
        ),
        Figure(
            name,
            f"setup at a restart (reload), {LOCKS} locks",
            f"{reload_ms:.1f} ms",
            f"< {SETUP_GOAL_MS:.0f} ms",
            reload_ms < SETUP_GOAL_MS,
        ),
        Figure(
            name,
            "one coordinator refresh",
            f"{refresh_ms:.2f} ms",
            f"< {REFRESH_GOAL_MS:.0f} ms",
            refresh_ms < REFRESH_GOAL_MS,
        ),
    ]


def _entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Fifty",
        unique_id="bench_fifty",
        data=stub_account_data("bench_fifty", "keypad", LOCKS),
    )


async def _async_reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
