"""Scheduled activation: slot codes written and cleared on time on Z-Wave locks.

A "Locks in Home Assistant" account writes each code into a managed slot when its window
opens and clears it when the window closes (`activation.py`); one timer per account,
and each run compares every record of the account with what its lock should hold. All
of it runs through Home Assistant: codes are issued with `lockbooking.issue_code`, the
locks are `zwave_js` entities whose actions are the test stubs (`tests/ha_locks.py`:
the real fields `code_slot` / `usercode`, every call counted, the 2026 read-back
`get_lock_usercode` included), and the clock is moved with time-changed events so the
account's own timer fires.

Two measurements:
- a year on 4 locks (slots 10-19 each), 100 stays per lock, each issued 1 to 5 days
  before check-in, some overlapping the stay before: every call is traced back to the
  code window it served (writes and clears per window, on time, slots used), and every
  activation run is timed; then one run with the year's 400 records and nothing due;
- a restart: 400 records on 20 locks (100 due to be written, 100 to be cleared because
  their windows closed while the account was unloaded, 200 with nothing due), the
  account set up again: the calls it makes and how long it takes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import pairwise
import random
import time as wall
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    get_scheduled_timer_handles,
)

from custom_components.lockbooking.activation import SlotActivation
from homeassistant.core import HomeAssistant
from tests.ha_locks import FakeKeypads, add_ha_lock, ha_account_entry, stub_integrations

from .harness import (
    DOMAIN,
    TIME_ZONE,
    Clock,
    Figure,
    async_time,
    frozen_clock,
    home_assistant,
    median_ms,
)

TZ = ZoneInfo(TIME_ZONE)
START = datetime(2027, 1, 4, 12, tzinfo=TZ)
CHECKIN, CHECKOUT = time(16), time(11)
STEP = timedelta(hours=1)
SLOTS = range(10, 20)
SET, CLEAR, READ = "set_lock_usercode", "clear_lock_usercode", "get_lock_usercode"

YEAR_LOCKS = 4
STAYS_PER_LOCK = 100
OVERLAPPING = 0.10  # share of stays that check in the day before the previous check-out
RUN_GOAL_MS = 20.0  # one run over the year's 400 records, nothing due
RESTART_LOCKS = 20  # 400 records need 200 slots at once: 100 on the locks, 100 due
RESTART_GOAL_MS = 2000.0  # set-up until the 100 writes and 100 clears are done


@dataclass(slots=True)
class Window:
    """One code window on one lock, and the moments its code was written and cleared."""

    entity_id: str
    uid: str
    starts: datetime
    ends: datetime
    code: str = ""  # held in memory to trace calls back, never shown
    writes: list[datetime] = field(default_factory=list)
    clears: list[datetime] = field(default_factory=list)


class CallTrace:
    """Replays the stubbed locks' calls to tell which code window each one served."""

    def __init__(self, keypads: FakeKeypads) -> None:
        """Trace the calls made to these stubbed locks from now on."""
        self.keypads = keypads
        self.seen = len(keypads.calls)
        self.windows: dict[tuple[str, str], list[Window]] = {}
        self.held: dict[str, dict[int, str]] = {}
        self.kinds = Counter[str]()
        self.odd = Counter[str]()

    def add(self, window: Window) -> None:
        """Know a window once its code is issued."""
        self.windows.setdefault((window.entity_id, window.code), []).append(window)

    def catch_up(self, now: datetime) -> None:
        """Attribute the calls made since the last look; the clock stood at `now`."""
        calls = self.keypads.calls[self.seen :]
        self.seen = len(self.keypads.calls)
        for _, action, data in calls:
            self.kinds[action] += 1
            if action == READ:
                continue
            entity_id, slot = data["entity_id"], data["code_slot"]
            if slot not in SLOTS:
                self.odd["call outside slots 10-19"] += 1
            held = self.held.setdefault(entity_id, {})
            if action == SET:
                held[slot] = data["usercode"]
                window = self._window(entity_id, data["usercode"], now, opening=True)
                if window is None:
                    self.odd["write outside its window"] += 1
                else:
                    window.writes.append(now)
            elif action == CLEAR:
                code = held.pop(slot, None)
                window = (
                    None
                    if code is None
                    else self._window(entity_id, code, now, opening=False)
                )
                if window is None:
                    self.odd["clear of no closed window's code"] += 1
                else:
                    window.clears.append(now)

    def _window(
        self, entity_id: str, code: str, now: datetime, *, opening: bool
    ) -> Window | None:
        """Find the window a write (open at `now`) or a clear (closed by `now`) served."""
        candidates = [
            window
            for window in self.windows.get((entity_id, code), [])
            if (window.starts <= now < window.ends if opening else window.ends <= now)
        ]
        return max(candidates, key=lambda w: w.ends) if candidates else None

    def all_windows(self) -> list[Window]:
        """List every window known."""
        return [window for windows in self.windows.values() for window in windows]


class RunTimer:
    """Times every `SlotActivation.async_run`, however it was started."""

    def __init__(self) -> None:
        """No run yet."""
        self.seconds: list[float] = []

    @contextmanager
    def timing(self) -> Iterator[None]:
        """Wrap the activation's runs while the block lasts."""
        real = SlotActivation.async_run

        async def timed(activation: SlotActivation) -> None:
            """Run as the activation does, timed."""
            started = wall.perf_counter()
            try:
                await real(activation)
            finally:
                self.seconds.append(wall.perf_counter() - started)

        with patch.object(SlotActivation, "async_run", timed):
            yield


@asynccontextmanager
async def zwave_account(
    locks: int,
) -> AsyncIterator[tuple[HomeAssistant, MockConfigEntry, FakeKeypads, list[str]]]:
    """Run a Home Assistant with `locks` stubbed Z-Wave locks on one account (slots 10-19)."""
    async with home_assistant() as hass:
        keypads = stub_integrations(hass, matter=False, schlage=False)
        entities = [
            add_ha_lock(hass, "zwave_js", f"door_{number:02d}")
            for number in range(locks)
        ]
        entry = ha_account_entry(entities)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield hass, entry, keypads, [entity.entity_id for entity in entities]


async def async_issue(hass: HomeAssistant, window: Window, name: str) -> None:
    """Issue the window's code through the action; keep the digits for the trace only."""
    response: Any = await hass.services.async_call(
        DOMAIN,
        "issue_code",
        {
            "entity_id": window.entity_id,
            "start": window.starts.isoformat(),
            "end": window.ends.isoformat(),
            "uid": window.uid,
            "name": name,
        },
        blocking=True,
        return_response=True,
    )
    [code] = response["codes"]
    assert code["status"] == "scheduled", code["status"]
    window.code = code["code"]


async def async_step(hass: HomeAssistant, clock: Clock, trace: CallTrace) -> None:
    """Move the clock one step; let the timers that fall due run to their end."""
    clock.advance(STEP)
    async_fire_time_changed(hass, clock.now)
    await hass.async_block_till_done(wait_background_tasks=True)
    trace.catch_up(clock.now)


def local(day: int, at: time) -> datetime:
    """Tell the moment `day` days after START's date, local time."""
    return datetime.combine(START.date() + timedelta(days=day), at, tzinfo=TZ)


def year_plan(entity_ids: list[str]) -> list[tuple[datetime, Window]]:
    """100 stays a lock, each with the moment it is issued (1 to 5 days ahead)."""
    rng = random.Random(22)
    plan: list[tuple[datetime, Window]] = []
    for entity_id in entity_ids:
        day = 2
        previous: Window | None = None
        for number in range(STAYS_PER_LOCK):
            checkin = day + rng.choice((0, 0, 1, 1, 2, 3))
            if previous is not None and rng.random() < OVERLAPPING:
                checkin = day - 1  # the next guests arrive before the last ones leave
            nights = rng.randint(1, 4)
            window = Window(
                entity_id,
                f"{entity_id}-stay-{number}",
                local(checkin, CHECKIN),
                local(checkin + nights, CHECKOUT),
            )
            issued = max(local(checkin - rng.randint(1, 5), time(10)), START)
            plan.append((issued, window))
            day, previous = checkin + nights, window
    plan.sort(key=lambda item: item[0])
    return plan


async def async_run(runs: int) -> list[Figure]:
    """Simulate the year once (its counts do not vary), then time restarts."""
    _drop_timers_left_behind()
    return await _async_year(runs) + await _async_restarts(runs)


def _drop_timers_left_behind() -> None:
    """Cancel the timers the benchmarks before left on the loop.

    Their Home Assistants have stopped, but a refresh timer may still be scheduled;
    moving the clock a year (`async_fire_time_changed` fires every timer on the loop)
    would run them against feeds that are gone.
    """
    for handle in get_scheduled_timer_handles(asyncio.get_running_loop()):
        handle.cancel()


async def _async_year(runs: int) -> list[Figure]:
    """Run the year hour by hour, tracing every call; then time a run with nothing due."""
    timer = RunTimer()
    with frozen_clock(START) as clock, timer.timing():
        async with zwave_account(YEAR_LOCKS) as (hass, entry, keypads, ids):
            trace = CallTrace(keypads)
            plan = year_plan(ids)
            ordered = sorted(
                (w for _, w in plan), key=lambda w: (w.entity_id, w.starts)
            )
            overlapping = sum(
                1
                for a, b in pairwise(ordered)
                if a.entity_id == b.entity_id and b.starts < a.ends
            )
            end = max(window.ends for _, window in plan) + 2 * STEP
            steps = 0
            pending = list(plan)
            started = wall.perf_counter()
            while clock.now < end:
                while pending and pending[0][0] <= clock.now:
                    _, window = pending.pop(0)
                    await async_issue(hass, window, "Guest")
                    trace.add(window)
                trace.catch_up(clock.now)
                await async_step(hass, clock, trace)
                steps += 1
            year_seconds = wall.perf_counter() - started
            year_runs = list(timer.seconds)
            activation = entry.runtime_data.activation
            assert isinstance(activation, SlotActivation)
            records = len(activation.records())
            idle = await async_time(activation.async_run, max(runs, 7))
            left = sum(len(keypads.held(entity_id)) for entity_id in ids)
    return _year_figures(
        trace, steps, overlapping, year_seconds, year_runs, idle, records, left
    )


def _year_figures(
    trace: CallTrace,
    steps: int,
    overlapping: int,
    year_seconds: float,
    year_runs: list[float],
    idle: list[float],
    records: int,
    left: int,
) -> list[Figure]:
    """Turn the year's trace and timings into figures with their goals."""
    windows = trace.all_windows()
    writes = sum(len(w.writes) for w in windows)
    clears = sum(len(w.clears) for w in windows)
    most = max(max(len(w.writes), len(w.clears)) for w in windows)
    once = sum(1 for w in windows if len(w.writes) == 1 and len(w.clears) == 1)
    on_time = sum(
        1 for w in windows if w.writes[:1] == [w.starts] and w.clears[:1] == [w.ends]
    )
    moments = {
        moment
        for w in windows
        for moment in (w.starts - timedelta(hours=1), w.starts, w.ends)
    }
    odd = sum(trace.odd.values())
    outside = trace.odd["call outside slots 10-19"]
    reads = trace.kinds[READ]
    run_ms, slowest_ms, idle_ms = (
        median_ms(year_runs),
        max(year_runs) * 1000,
        median_ms(idle),
    )
    name = "7. Activation (year)"
    return [
        Figure(
            name,
            "simulated",
            f"{steps} hourly steps, {YEAR_LOCKS} Z-Wave locks, {len(windows)} stays "
            f"({overlapping} overlapping the one before), {year_seconds:.1f} s",
        ),
        Figure(
            name,
            "writes / clears (most for one window)",
            f"{writes} / {clears} for {len(windows)} windows ({most})",
            f"= {len(windows)} / {len(windows)} (1)",
            writes == clears == len(windows) and most == 1,
        ),
        Figure(
            name,
            "windows written once and cleared once / at their very moment",
            f"{once} / {on_time}",
            f"{len(windows)} / {len(windows)}",
            once == on_time == len(windows),
        ),
        Figure(
            name,
            "calls outside slots 10-19 / not matching a window",
            f"{outside} / {odd - outside}",
            "0 / 0",
            odd == 0,
        ),
        Figure(
            name,
            "codes left on the locks at the end",
            str(left),
            "0",
            left == 0,
        ),
        Figure(
            name,
            "read-backs (get_lock_usercode)",
            f"{reads} for {writes + clears} writes and clears",
            f"= {writes + clears}",
            reads == writes + clears,
        ),
        Figure(
            name,
            "activation runs",
            f"{len(year_runs)} for {len(moments)} moments (1 h before, open, close)",
            f"<= {len(moments)}",
            len(year_runs) <= len(moments),
        ),
        Figure(
            name,
            "one run, median over the year (slowest)",
            f"{run_ms:.2f} ms ({slowest_ms:.1f} ms)",
        ),
        Figure(
            name,
            f"one run with the year's {records} records, nothing due",
            f"{idle_ms:.2f} ms",
            f"< {RUN_GOAL_MS:.0f} ms",
            idle_ms < RUN_GOAL_MS,
        ),
    ]


def restart_plan(entity_ids: list[str]) -> dict[str, list[Window]]:
    """20 records a lock, 5 of each kind, around a downtime from day 4 to day 6.

    The windows to clear and to write overlap (the next guests arrive the day before
    the last ones leave), so they hold different slots.
    """
    kinds = {
        "past": (local(1, CHECKIN), local(2, CHECKOUT)),  # written and cleared before
        "to clear": (local(3, CHECKIN), local(5, CHECKOUT)),  # closes while down
        "to write": (local(4, CHECKIN), local(7, CHECKOUT)),  # opens while down
        "future": (local(8, CHECKIN), local(10, CHECKOUT)),  # nothing due at restart
    }
    return {
        kind: [
            Window(entity_id, f"{entity_id}-{kind}-{number}", starts, ends)
            for entity_id in entity_ids
            for number in range(5)
        ]
        for kind, (starts, ends) in kinds.items()
    }


DOWN, UP = local(4, time(12)), local(6, time(12))


@dataclass(slots=True)
class Restart:
    """What one restart did: the calls per kind of record, and how long it took."""

    calls: dict[str, tuple[int, int]]  # kind -> (writes, clears)
    once: dict[str, int]  # kind -> windows written (or cleared) exactly once
    odd: int
    reads: int
    held_right: bool
    setup_seconds: float
    run_seconds: float
    records: int


async def _async_restart() -> Restart:
    """Issue 400 codes, run to the downtime, unload, move on two days, set up again."""
    timer = RunTimer()
    with frozen_clock(START) as clock, timer.timing():
        async with zwave_account(RESTART_LOCKS) as (hass, entry, keypads, ids):
            trace = CallTrace(keypads)
            plan = restart_plan(ids)
            for windows in plan.values():
                for window in windows:
                    await async_issue(hass, window, "Guest")
                    trace.add(window)
            while clock.now < DOWN:
                await async_step(hass, clock, trace)
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            clock.advance(UP - clock.now)
            async_fire_time_changed(hass, clock.now)
            await hass.async_block_till_done(wait_background_tasks=True)
            trace.catch_up(clock.now)
            before = {
                kind: [(len(w.writes), len(w.clears)) for w in windows]
                for kind, windows in plan.items()
            }
            kinds, odd = Counter(trace.kinds), sum(trace.odd.values())
            runs = len(timer.seconds)
            started = wall.perf_counter()
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
            setup_seconds = wall.perf_counter() - started
            trace.catch_up(clock.now)
            calls: dict[str, tuple[int, int]] = {}
            once: dict[str, int] = {}
            for kind, windows in plan.items():
                counts = [
                    (len(w.writes) - b[0], len(w.clears) - b[1])
                    for w, b in zip(windows, before[kind], strict=True)
                ]
                calls[kind] = (sum(c[0] for c in counts), sum(c[1] for c in counts))
                once[kind] = sum(1 for c in counts if c in ((1, 0), (0, 1)))
            expected = {
                entity_id: sorted(
                    w.code for w in plan["to write"] if w.entity_id == entity_id
                )
                for entity_id in ids
            }
            held_right = all(
                sorted(keypads.held(entity_id).values()) == expected[entity_id]
                for entity_id in ids
            )
            activation = entry.runtime_data.activation
            assert isinstance(activation, SlotActivation)
            return Restart(
                calls,
                once,
                sum(trace.odd.values()) - odd,
                trace.kinds[READ] - kinds[READ],
                held_right,
                setup_seconds,
                sum(timer.seconds[runs:]),
                len(activation.records()),
            )


async def _async_restarts(runs: int) -> list[Figure]:
    """Restart up to 3 times in fresh Home Assistants; counts from the first, time the median."""
    results = [await _async_restart() for _ in range(max(1, min(runs, 3)))]
    first = results[0]
    same = all(
        (r.calls, r.once, r.odd, r.held_right)
        == (first.calls, first.once, first.odd, first.held_right)
        for r in results
    )
    due = RESTART_LOCKS * 5
    writes, clears = first.calls["to write"][0], first.calls["to clear"][1]
    others = (
        first.calls["to write"][1]
        + first.calls["to clear"][0]
        + sum(sum(first.calls[kind]) for kind in ("past", "future"))
    )
    setup_ms = median_ms([r.setup_seconds for r in results])
    run_ms = median_ms([r.run_seconds for r in results])
    name = "7. Activation (restart)"
    return [
        Figure(
            name,
            "records on the ledger at restart",
            f"{first.records} on {RESTART_LOCKS} locks: {due} to write, {due} to clear, "
            f"{2 * due} with nothing due",
        ),
        Figure(
            name,
            "writes / clears at set-up",
            f"{writes} / {clears} (each once: {first.once['to write']} / "
            f"{first.once['to clear']})",
            f"= {due} / {due}, each once",
            (writes, clears, first.once["to write"], first.once["to clear"])
            == (due, due, due, due)
            and same,
        ),
        Figure(
            name,
            "other calls (records with nothing due, wrong kind, no window)",
            str(others + first.odd),
            "0",
            others + first.odd == 0,
        ),
        Figure(
            name,
            "locks hold exactly the codes due",
            "yes" if first.held_right else "no",
            "yes",
            first.held_right,
        ),
        Figure(
            name,
            "read-backs",
            str(first.reads),
            f"= {writes + clears}",
            first.reads == writes + clears,
        ),
        Figure(
            name,
            "set-up until caught up (the catch-up run alone)",
            f"{setup_ms:.0f} ms ({run_ms:.0f} ms)",
            f"< {RESTART_GOAL_MS:.0f} ms",
            setup_ms < RESTART_GOAL_MS,
        ),
    ]
