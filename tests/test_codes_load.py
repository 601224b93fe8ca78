"""Load: 50 locks in three accounts, 2,000 stays, a burst of issues, a quiet event loop.

The accounts are fake vendors with real latency (an `asyncio.sleep` per call) that
count the calls they have in flight; the stays come from ten real iCal feeds served
over `aioclient_mock`. Everything else is the integration as Home Assistant runs it.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
import gc
import logging
import sys
import threading
import time
from typing import Any, ClassVar
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
import voluptuous as vol

from custom_components.lockbooking.code_record import CodeRecord, CodeStatus
from custom_components.lockbooking.const import DOMAIN, EntryKind
from custom_components.lockbooking.coordinator import MAX_VENDOR_CALLS
from custom_components.lockbooking.ledger import LEDGER, PRUNE_AFTER
from custom_components.lockbooking.models import (
    Capabilities,
    IssuedCode,
    Lock,
    LockState,
    LockStatus,
    PlannedCode,
    Reservation,
)
from custom_components.lockbooking.planner import generate_code
from custom_components.lockbooking.reservations import (
    coordinator as reservations_module,
)
from custom_components.lockbooking.vendors import VENDORS
from custom_components.lockbooking.vendors.base import (
    AccountIdentity,
    LockVendor,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.nuki_common import NUKI_KEYPAD
from homeassistant import block_async_io
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .helpers import device_id

pytestmark = pytest.mark.fault
ACCOUNTS = {"fleet_a": 17, "fleet_b": 17, "fleet_c": 16}  # 50 locks
ENTRIES = 10
LOCKS_PER_ENTRY = 5
STAYS_PER_ENTRY = 200  # 2,000 stays
STAY_EVERY = timedelta(hours=44)  # 200 stays span a year
# Last-minute bookings in the entries whose first locks are in accounts a, c and b:
# more at once than MAX_VENDOR_CALLS, all starting on the same lock.
LAST_MINUTE = dict.fromkeys((0, 1, 2), 5)
VENDOR_LATENCY = 0.005
# The event loop's work per callback, in CPU seconds: about 0.01 here, but a full
# garbage collection of this heap (~0.25 s) lands in whichever callback triggers it.
# A parse in the loop is caught by thread, not by this bound.
MAX_CALLBACK_CPU = 0.5
# asyncio's slow-callback report goes by wall time, which on this shared two-core
# host includes waiting for the GIL behind the executor's parsing threads (up to 0.8 s
# measured for callbacks of a few ms): only a very long one is reported.
SLOW_CALLBACK = 5.0
# Small-object blocks two refreshes may leave behind: Home Assistant's first-time
# allocations and asyncio's cancelled timers leave up to ~5,000; keeping each
# refresh's 2,015 stays alive would leave ~20,000.
MAX_BLOCKS_GROWTH = 8000


# ------------------------------------------------------------------ the fake vendor


@dataclass
class VendorTraffic:
    """What the fake vendors saw: calls in flight per account, and every code made."""

    in_flight: Counter[str] = field(default_factory=Counter)
    most_in_flight: Counter[str] = field(default_factory=Counter)
    most_in_flight_overall: int = 0
    creates: list[tuple[str, str]] = field(default_factory=list)  # (lock key, guest)
    revokes: list[tuple[str, str]] = field(default_factory=list)
    failing: bool = False
    gate: asyncio.Event | None = None
    latency: float = VENDOR_LATENCY  # 0 under freezegun, whose clock does not move


class FleetVendor(LockVendor):
    """An account of keypad locks: `locks` of them, each call taking a few ms."""

    manufacturer: ClassVar[str] = "Fleet"
    poll_interval: ClassVar[timedelta] = timedelta(minutes=5)
    config_schema: ClassVar[vol.Schema] = vol.Schema({})
    traffic: ClassVar[VendorTraffic] = VendorTraffic()

    def __init__(self, hass: HomeAssistant, data: Any) -> None:
        super().__init__(hass, data)
        self.account: str = data["name"]
        self._taken: defaultdict[str, set[str]] = defaultdict(set)

    async def async_identify(self) -> AccountIdentity:
        return AccountIdentity(unique_id=self.account, title=self.account)

    async def async_get_locks(self) -> list[Lock]:
        return [
            Lock(
                id=f"door_{number:02d}",
                name=f"{self.account} door {number}",
                manufacturer=self.manufacturer,
                model="Keypad lock",
                capabilities=Capabilities(
                    remote_lock=True,
                    remote_unlock=True,
                    reports_state=True,
                    battery_level=True,
                ),
                code_rules=(NUKI_KEYPAD,),
                status=LockStatus(state=LockState.LOCKED, battery_level=80),
            )
            for number in range(self.data["locks"])
        ]

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        async with self._call():
            if self.traffic.failing:
                raise VendorUnavailableError("HTTP 503")
            code = generate_code(plan.rules, self._taken[lock.id])
            self._taken[lock.id].add(code)
            self.traffic.creates.append((f"{self.account}:{lock.id}", name))
            return IssuedCode(
                lock_id=lock.id,
                kind=plan.kind,
                code=code,
                window=plan.window,
                vendor_id=f"{lock.id}-{len(self.traffic.creates)}",
            )

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        async with self._call():
            self._taken[lock.id].discard(issued.code)
            self.traffic.revokes.append((f"{self.account}:{lock.id}", issued.code))

    @asynccontextmanager
    async def _call(self) -> AsyncIterator[None]:
        traffic = self.traffic
        traffic.in_flight[self.account] += 1
        traffic.most_in_flight[self.account] = max(
            traffic.most_in_flight[self.account], traffic.in_flight[self.account]
        )
        traffic.most_in_flight_overall = max(
            traffic.most_in_flight_overall, traffic.in_flight.total()
        )
        try:
            if traffic.gate is not None:
                await traffic.gate.wait()
            await asyncio.sleep(traffic.latency)
            yield
        finally:
            traffic.in_flight[self.account] -= 1


@pytest.fixture
def traffic() -> Generator[VendorTraffic]:
    """Accounts of kind "demo" are fleets of keypad locks for this test."""
    traffic = VendorTraffic()
    with (
        patch.dict(VENDORS, {EntryKind.DEMO: FleetVendor}),
        patch.object(FleetVendor, "traffic", traffic),
    ):
        yield traffic


@pytest.fixture
def quiet_storage_log(caplog: pytest.LogCaptureFixture) -> None:
    """Keep debug lines by the thousand out of the captured log.

    The harness logs the whole ledger on each of hundreds of writes and the event bus
    every event (both exempt from the suite's secrets check); ical logs every field of
    2,000 events, which makes parsing several times slower and fills memory.
    """
    caplog.set_level(logging.INFO, "pytest_homeassistant_custom_component.common")
    caplog.set_level(logging.INFO, "homeassistant.core")
    caplog.set_level(logging.INFO, "ical")


@pytest.fixture
def detect_blocking_calls(disable_block_async_io: None) -> None:
    """Home Assistant's own detection of blocking calls in the event loop, as in core."""
    block_async_io.enable()


# ------------------------------------------------------------------------ the stays


@dataclass(frozen=True)
class Stay:
    """One stay as the feed writes it."""

    uid: str
    guest: str
    start: datetime
    end: datetime


def stays(entry: int, anchor: datetime, last_minute: int = 0) -> list[Stay]:
    """An entry's year of back-to-back stays, plus last-minute bookings.

    Every boundary is hours from `anchor`, so which stays are due does not depend on
    how long the test takes: at `anchor`, stay 0 is under way, stay 1 starts in 24 h
    (inside the 48 h issue window), stay 2 in 68 h; last-minute ones start in hours.
    """
    regular = [
        Stay(
            f"stay-{entry}-{number}@fleet.example",
            f"Guest {entry}-{number}",
            anchor - timedelta(hours=20) + STAY_EVERY * number,
            anchor + timedelta(hours=20) + STAY_EVERY * number,
        )
        for number in range(STAYS_PER_ENTRY)
    ]
    late = [
        Stay(
            f"late-{entry}-{number}@fleet.example",
            f"Late guest {entry}-{number}",
            anchor + timedelta(hours=6 + number),
            anchor + timedelta(hours=30 + number),
        )
        for number in range(last_minute)
    ]
    return regular + late


def ics(entry_stays: list[Stay]) -> str:
    """The stays as an iCal feed of timed UTC events."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//LockBooking load test//EN", "VERSION:2.0"]
    for stay in entry_stays:
        lines += [
            "BEGIN:VEVENT",
            f"DTSTAMP:{stay.start:%Y%m%dT%H%M%SZ}",
            f"DTSTART:{stay.start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{stay.end:%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{stay.guest}",
            f"UID:{stay.uid}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def due(stay: Stay, now: datetime) -> bool:
    """The scheduler's rule with the default options: 48 h before check-in until check-out."""
    return stay.start - timedelta(hours=48) <= now < stay.end


def feed_url(entry: int) -> str:
    return f"https://www.airbnb.com/calendar/ical/{entry}.ics?s=load"


# ------------------------------------------------------------------------ the fleet


@dataclass
class Fleet:
    """The set-up: which locks each reservations entry has, and its stays."""

    anchor: datetime
    locks: dict[int, list[str]]
    stays: dict[int, list[Stay]]

    def due_pairs(self, now: datetime) -> Counter[tuple[str, str]]:
        """(lock key, guest) of every due stay on every lock of its entry."""
        return Counter(
            (lock, stay.guest)
            for entry, entry_stays in self.stays.items()
            for stay in entry_stays
            if due(stay, now)
            for lock in self.locks[entry]
        )

    def serve(
        self,
        aioclient_mock: AiohttpClientMocker,
        last_minute: dict[int, int] | None = None,
    ) -> None:
        """Serve every entry's feed (no ETag: each refresh reads and parses it all)."""
        aioclient_mock.clear_requests()
        for entry in range(ENTRIES):
            self.stays[entry] = stays(
                entry, self.anchor, (last_minute or {}).get(entry, 0)
            )
            aioclient_mock.get(feed_url(entry), text=ics(self.stays[entry]))


def lock_keys() -> list[str]:
    """All 50 lock keys, interleaved so every entry has locks of every account."""
    by_account = [
        [f"{account}:door_{number:02d}" for number in range(count)]
        for account, count in ACCOUNTS.items()
    ]
    longest = max(len(keys) for keys in by_account)
    return [keys[n] for n in range(longest) for keys in by_account if n < len(keys)]


def add_fleet(hass: HomeAssistant, aioclient_mock: AiohttpClientMocker) -> Fleet:
    """Add the three accounts and ten reservations entries (not set up yet)."""
    for account, count in ACCOUNTS.items():
        MockConfigEntry(
            domain=DOMAIN,
            title=account,
            data={"kind": "demo", "name": account, "locks": count},
            unique_id=account,
        ).add_to_hass(hass)
    keys = lock_keys()
    fleet = Fleet(dt_util.utcnow().replace(second=0, microsecond=0), {}, {})
    for entry in range(ENTRIES):
        fleet.locks[entry] = keys[
            entry * LOCKS_PER_ENTRY : (entry + 1) * LOCKS_PER_ENTRY
        ]
        MockConfigEntry(
            domain=DOMAIN,
            title=f"Building {entry}",
            unique_id=f"reservations_building_{entry}",
            data={
                "kind": "reservations",
                "name": f"Building {entry}",
                "url": feed_url(entry),
                "locks": fleet.locks[entry],
                "checkin_time": "16:00:00",
                "checkout_time": "11:00:00",
            },
        ).add_to_hass(hass)
    fleet.serve(aioclient_mock)
    return fleet


async def async_refresh_cycle(hass: HomeAssistant, cycle: int) -> None:
    """Let every timer of a refresh interval fire: feeds, account polls, scheduler ticks."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=31 * cycle))
    await hass.async_block_till_done(wait_background_tasks=True)


@dataclass
class LoopWatch:
    """The event loop's callbacks and the CPU time the costliest took.

    CPU time, because waiting for the GIL or for a busy machine does not inflate it
    (wall time does, tenfold on a shared host).
    """

    callbacks: int = 0
    most_cpu: float = 0.0
    costliest: str = ""


@contextmanager
def watch_loop() -> Generator[LoopWatch]:
    """Time every callback the event loop runs (task steps included).

    Not the test's own steps: firing time changed runs every due timer inside them.
    """
    watch = LoopWatch()
    run = asyncio.events.Handle._run
    test = asyncio.current_task()

    def timed_run(handle: asyncio.events.Handle) -> None:
        started = time.thread_time()
        try:
            run(handle)
        finally:
            cpu = time.thread_time() - started
            owner = getattr(handle._callback, "__self__", handle)  # a task's step
            if owner is not test:
                watch.callbacks += 1
                if cpu > watch.most_cpu:
                    watch.most_cpu, watch.costliest = cpu, repr(owner)[:300]

    with patch.object(asyncio.events.Handle, "_run", timed_run):
        yield watch


def loop_reports(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Home Assistant's blocking-call reports and asyncio's slow-callback reports."""
    return [
        record.getMessage()[:300]
        for record in caplog.records
        if "Detected blocking call" in record.getMessage()
        or (record.name == "asyncio" and record.getMessage().startswith("Executing "))
    ]


def ledger_state(hass: HomeAssistant) -> list[tuple[str, str, str, str | None]]:
    return sorted(
        (record.uid, record.lock_key, record.status.value, record.code)
        for record in hass.data[LEDGER].records()
    )


# ----------------------------------------------------------------------------- tests


def live_memory() -> tuple[int, int]:
    """Small-object blocks in use and this test's stays alive, after a full collection."""
    gc.collect()
    stays_alive = sum(
        1
        for obj in gc.get_objects()
        if isinstance(obj, Reservation) and obj.uid.endswith("@fleet.example")
    )
    return sys.getallocatedblocks(), stays_alive


@pytest.mark.usefixtures("quiet_storage_log", "detect_blocking_calls")
async def test_fleet_of_50_locks_and_2000_stays(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    traffic: VendorTraffic,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set-up, a burst, refreshes: every due code once, bounded, a free loop, flat memory."""
    hass.loop.slow_callback_duration = SLOW_CALLBACK
    parse_threads: list[int] = []
    real_parse = reservations_module.read_feed

    def parse_spy(*args: Any, **kwargs: Any) -> Any:
        parse_threads.append(threading.get_ident())
        return real_parse(*args, **kwargs)

    fleet = add_fleet(hass, aioclient_mock)
    timings: dict[str, float] = {}
    with patch.object(reservations_module, "read_feed", parse_spy):
        with watch_loop() as watch:
            started = time.perf_counter()
            assert await async_setup_component(hass, DOMAIN, {})
            await hass.async_block_till_done(wait_background_tasks=True)
            timings["setup"] = time.perf_counter() - started
            after_setup = Counter(traffic.creates)

            fleet.serve(aioclient_mock, LAST_MINUTE)
            started = time.perf_counter()
            await async_refresh_cycle(hass, 1)
            timings["refresh with burst"] = time.perf_counter() - started
            after_burst = Counter(traffic.creates)

        # The same stays again and again (collecting garbage is not the loop's work).
        blocks_before, _ = live_memory()
        started = time.perf_counter()
        for cycle in (2, 3):
            await async_refresh_cycle(hass, cycle)
        timings["2 refreshes"] = time.perf_counter() - started
        blocks_after, stays_alive = live_memory()

    print(  # the figures for the report (pytest -s)
        f"\nload: {timings}; in flight {dict(traffic.most_in_flight)}, "
        f"overall {traffic.most_in_flight_overall}; codes {len(traffic.creates)}; "
        f"loop callbacks {watch.callbacks}, most CPU {watch.most_cpu:.3f}s; "
        f"blocks {blocks_after - blocks_before:+d}, stays alive {stays_alive}"
    )
    now = dt_util.utcnow()
    stay_count = ENTRIES * STAYS_PER_ENTRY + sum(LAST_MINUTE.values())
    assert sum(map(len, fleet.stays.values())) == stay_count
    # Set-up issued every stay due then (2 per entry, on each of its 5 locks), once.
    assert len(after_setup) == ENTRIES * 2 * LOCKS_PER_ENTRY
    assert after_setup == Counter(
        {pair: 1 for pair in fleet.due_pairs(now) if not pair[1].startswith("Late")}
    )
    # The refresh brought 15 last-minute stays: a burst of 75 codes, each made once.
    assert len(after_burst - after_setup) == 15 * LOCKS_PER_ENTRY
    assert after_burst == fleet.due_pairs(now)
    # Refreshes with nothing new cost no vendor call.
    assert Counter(traffic.creates) == after_burst
    assert not traffic.revokes

    # Bounded per account, yet the accounts worked side by side.
    assert traffic.most_in_flight == dict.fromkeys(ACCOUNTS, MAX_VENDOR_CALLS)
    assert traffic.most_in_flight_overall > MAX_VENDOR_CALLS

    # The ledger holds exactly those codes, issued, and the store holds the same.
    records = hass.data[LEDGER].records()
    assert len(records) == len(traffic.creates)
    assert {record.status for record in records} == {CodeStatus.ISSUED}
    stored = hass_storage["lockbooking.codes"]["data"]["codes"]
    assert sorted(
        (raw["uid"], raw["lock_key"], raw["status"], raw["code"]) for raw in stored
    ) == ledger_state(hass)

    # The event loop stayed free: feeds parsed in the executor, nothing reported.
    assert len(parse_threads) == 4 * ENTRIES
    assert threading.get_ident() not in parse_threads
    assert not loop_reports(caplog)
    assert watch.most_cpu < MAX_CALLBACK_CPU, watch.costliest

    # Memory: only the current stays are alive, and refreshes keep nothing more.
    assert stays_alive == stay_count
    assert blocks_after - blocks_before < MAX_BLOCKS_GROWTH


# ------------------------------------------------------------ smaller scenarios


def add_account(hass: HomeAssistant, account: str, locks: int) -> None:
    MockConfigEntry(
        domain=DOMAIN,
        title=account,
        data={"kind": "demo", "name": account, "locks": locks},
        unique_id=account,
    ).add_to_hass(hass)


def add_reservations(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    locks: list[str],
    entry_stays: list[Stay],
) -> MockConfigEntry:
    aioclient_mock.get(feed_url(0), text=ics(entry_stays))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Building 0",
        unique_id="reservations_building_0",
        data={
            "kind": "reservations",
            "name": "Building 0",
            "url": feed_url(0),
            "locks": locks,
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
    )
    entry.add_to_hass(hass)
    return entry


async def async_until(condition: Any) -> None:
    """Let the loop (and the executor) run until `condition()` holds."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the loop never got there")


async def test_one_entry_issues_its_due_stays_side_by_side(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, traffic: VendorTraffic
) -> None:
    """Eight stays due at once on one lock: four at the vendor at a time, not one."""
    anchor = dt_util.utcnow().replace(second=0, microsecond=0)
    add_account(hass, "fleet_a", 1)
    add_reservations(
        hass, aioclient_mock, ["fleet_a:door_00"], stays(0, anchor, last_minute=8)[200:]
    )
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done(wait_background_tasks=True)

    assert len(traffic.creates) == 8
    assert traffic.most_in_flight["fleet_a"] == MAX_VENDOR_CALLS


async def test_a_service_call_racing_automatic_mode_makes_one_code(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, traffic: VendorTraffic
) -> None:
    """issue_code for a stay whose code automatic mode is making: one vendor call."""
    anchor = dt_util.utcnow().replace(second=0, microsecond=0)
    add_account(hass, "fleet_a", 1)
    regular = stays(0, anchor)[2:4]  # not due yet
    add_reservations(hass, aioclient_mock, ["fleet_a:door_00"], regular)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not traffic.creates

    # A last-minute booking: automatic mode asks the vendor, which is slow to answer.
    late = stays(0, anchor, last_minute=1)[-1]
    aioclient_mock.clear_requests()
    aioclient_mock.get(feed_url(0), text=ics([*regular, late]))
    traffic.gate = asyncio.Event()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=31))
    await async_until(lambda: traffic.in_flight["fleet_a"] == 1)
    # Meanwhile an automation asks for the same stay's code on the same lock.
    service_call = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "issue_code",
            {
                "device_id": device_id(hass, "fleet_a:door_00"),
                "start": dt_util.as_local(late.start).isoformat(),
                "end": dt_util.as_local(late.end).isoformat(),
                "name": late.guest,
                "uid": late.uid,
            },
            blocking=True,
            return_response=True,
        )
    )
    for _ in range(20):
        await asyncio.sleep(0)
    traffic.gate.set()
    response = await service_call
    await hass.async_block_till_done(wait_background_tasks=True)

    assert traffic.creates == [("fleet_a:door_00", late.guest)]
    [record] = [r for r in hass.data[LEDGER].records() if r.uid == late.uid]
    assert record.status is CodeStatus.ISSUED
    assert response["codes"][0]["code"] == record.code


async def test_revoking_while_a_moved_stay_is_reissued_revokes_the_new_code(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, traffic: VendorTraffic
) -> None:
    """revoke_code waits for the issue in progress, then revokes what it left."""
    add_account(hass, "fleet_a", 1)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    target = {"device_id": device_id(hass, "fleet_a:door_00")}
    start = dt_util.now().replace(microsecond=0) + timedelta(days=3)

    async def issue(days: int) -> Any:
        return await hass.services.async_call(
            DOMAIN,
            "issue_code",
            {
                **target,
                "start": start.isoformat(),
                "end": (start + timedelta(days=days)).isoformat(),
                "uid": "stay-1",
            },
            blocking=True,
            return_response=True,
        )

    first = (await issue(2))["codes"][0]["code"]
    # The stay moves: the old code is revoked (slowly) before the new one is made...
    traffic.gate = asyncio.Event()
    moving = hass.async_create_task(issue(3))
    await async_until(lambda: traffic.in_flight["fleet_a"] == 1)
    # ...while the host revokes the stay's code.
    revoking = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "revoke_code",
            {**target, "uid": "stay-1"},
            blocking=True,
            return_response=True,
        )
    )
    for _ in range(20):
        await asyncio.sleep(0)
    traffic.gate.set()
    second = (await moving)["codes"][0]["code"]
    revoked = await revoking

    # Each code revoked once; no code of the stay is left at the vendor or as issued.
    assert traffic.revokes == [("fleet_a:door_00", first), ("fleet_a:door_00", second)]
    assert [c["code"] for c in revoked["codes"]] == [second]
    [record] = hass.data[LEDGER].records()
    assert (record.code, record.status) == (second, CodeStatus.REVOKED)


async def test_automatic_mode_forgets_failures_of_stays_that_ended_or_left(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    traffic: VendorTraffic,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The retry state (and repair issue) of a stay goes when the stay ends or leaves."""
    traffic.latency = 0
    traffic.failing = True
    anchor = dt_util.utcnow().replace(second=0, microsecond=0)
    short = Stay(
        "short@x", "Short", anchor - timedelta(hours=1), anchor + timedelta(hours=2)
    )
    long = Stay(
        "long@x", "Long", anchor - timedelta(hours=1), anchor + timedelta(days=3)
    )
    later = Stay(
        "later@x", "Later", anchor + timedelta(days=30), anchor + timedelta(days=32)
    )
    add_account(hass, "fleet_a", 1)
    entry = add_reservations(
        hass, aioclient_mock, ["fleet_a:door_00"], [short, long, later]
    )
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done(wait_background_tasks=True)
    scheduler = entry.runtime_data.scheduler
    issues = ir.async_get(hass)

    async def tick(minutes: int) -> None:
        freezer.tick(timedelta(minutes=minutes))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    for _ in range(2):  # three failures each: repair issues
        await tick(11)
    assert set(scheduler._retries.failures) == {"short@x", "long@x"}
    repairs = {i.issue_id for i in issues.issues.values() if i.domain == DOMAIN}
    assert len(repairs) == 2

    await tick(120)  # the short stay is over
    assert set(scheduler._retries.failures) == {"long@x"}
    assert len([i for i in issues.issues.values() if i.domain == DOMAIN]) == 1

    # The long stay leaves the feed; after two refreshes it counts as cancelled.
    aioclient_mock.clear_requests()
    aioclient_mock.get(feed_url(0), text=ics([later]))
    for _ in range(2):
        await tick(31)
    await tick(5)  # a run that starts after the cancelling refresh
    assert scheduler._retries.failures == {}
    assert not [i for i in issues.issues.values() if i.domain == DOMAIN]


async def test_two_revokes_at_once_reach_the_vendor_once(
    hass: HomeAssistant, traffic: VendorTraffic
) -> None:
    """The second revoke_code waits for the first and finds nothing left to revoke."""
    add_account(hass, "fleet_a", 1)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    target = {"device_id": device_id(hass, "fleet_a:door_00")}
    start = dt_util.now().replace(microsecond=0) + timedelta(days=3)
    issued = await hass.services.async_call(
        DOMAIN,
        "issue_code",
        {
            **target,
            "start": start.isoformat(),
            "end": (start + timedelta(days=2)).isoformat(),
            "uid": "stay-1",
        },
        blocking=True,
        return_response=True,
    )

    def revoke() -> asyncio.Task[Any]:
        return hass.async_create_task(
            hass.services.async_call(
                DOMAIN,
                "revoke_code",
                {**target, "uid": "stay-1"},
                blocking=True,
                return_response=True,
            )
        )

    traffic.gate = asyncio.Event()
    first = revoke()
    await async_until(lambda: traffic.in_flight["fleet_a"] == 1)
    second = revoke()
    for _ in range(20):
        await asyncio.sleep(0)
    traffic.gate.set()

    code = issued["codes"][0]["code"]
    assert [c["code"] for c in (await first)["codes"]] == [code]
    assert (await second)["codes"] == []
    assert traffic.revokes == [("fleet_a:door_00", code)]


def stored_record(
    uid: str, status: CodeStatus, ends: datetime, lock_key: str = "fleet_a:door_00"
) -> dict[str, Any]:
    return asdict(
        CodeRecord(
            uid=uid,
            lock_key=lock_key,
            lock_name="A door",
            name="Guest",
            requested_start=(ends - timedelta(days=2)).isoformat(),
            requested_end=ends.isoformat(),
            status=status,
            kind="keypad",
            code="345678" if status is CodeStatus.ISSUED else None,
            starts=(ends - timedelta(days=2)).isoformat(),
            ends=ends.isoformat(),
        )
    ) | {"status": status.value}


async def test_the_ledger_forgets_codes_long_over_on_load_and_daily(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    traffic: VendorTraffic,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Records whose window ended over 30 days ago go; pending ones and recent ones stay."""
    traffic.latency = 0
    now = dt_util.utcnow()
    long_ago = now - PRUNE_AFTER - timedelta(hours=1)
    hass_storage["lockbooking.codes"] = {
        "version": 1,
        "minor_version": 1,
        "key": "lockbooking.codes",
        "data": {
            "codes": [
                stored_record("old-issued", CodeStatus.ISSUED, long_ago),
                stored_record("old-revoked", CodeStatus.REVOKED, long_ago),
                stored_record("old-failed", CodeStatus.FAILED, long_ago),
                # Only a reconciliation settles a pending record (its account is gone).
                stored_record(
                    "old-pending", CodeStatus.PENDING, long_ago, "gone:door_00"
                ),
                # An end without a time zone cannot be compared: kept.
                stored_record(
                    "naive", CodeStatus.ISSUED, long_ago.replace(tzinfo=None)
                ),
                stored_record(
                    "recent", CodeStatus.ISSUED, long_ago + timedelta(hours=12)
                ),
                stored_record("coming", CodeStatus.ISSUED, now + timedelta(days=3)),
            ]
        },
    }
    add_account(hass, "fleet_a", 1)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    ledger = hass.data[LEDGER]

    def uids() -> tuple[set[str], set[str]]:
        stored = hass_storage["lockbooking.codes"]["data"]["codes"]
        return {r.uid for r in ledger.records()}, {r["uid"] for r in stored}

    kept = {"old-pending", "naive", "recent", "coming"}
    assert uids() == (kept, kept)

    # A stay of today and tomorrow, issued now, is forgotten 30 days after it ends.
    await hass.services.async_call(
        DOMAIN,
        "issue_code",
        {
            "device_id": device_id(hass, "fleet_a:door_00"),
            "start": dt_util.now().isoformat(),
            "end": (dt_util.now() + timedelta(days=1)).isoformat(),
            "uid": "short-stay",
        },
        blocking=True,
    )
    assert ledger.holds_lock_for("short-stay|fleet_a:door_00")
    for _ in range(32):
        freezer.tick(timedelta(days=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    kept = {"old-pending", "naive", "coming"}
    assert uids() == (kept, kept)
    assert not ledger.holds_lock_for("short-stay|fleet_a:door_00")
