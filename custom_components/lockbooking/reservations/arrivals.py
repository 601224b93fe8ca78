"""Guest arrival: the first use of a stay's code, read from the locks' logs.

Every few minutes, each lock whose log tells code uses is asked for the uses since its
oldest live, still unused stay code, and only while there is one. A use found is kept
in the ledger (`used_at`), so a stay's arrival is announced once, across restarts. A
stay whose codes nobody has used some hours after check-in gets a "not arrived" repair
issue and event. For a code that dies unless used by some moment (its record's
`use_by`, as its vendor said), on a lock that may never report a use, that is the
host's cue to call the guest before then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ..code_record import CodeRecord, CodeStatus
from ..const import (
    DOMAIN,
    EVENT_GUEST_ARRIVED,
    EVENT_GUEST_NOT_ARRIVED,
    LOGGER,
    NOT_ARRIVED_ALL,
    NOT_ARRIVED_OFF,
    SIGNAL_ARRIVAL,
)
from ..errors import repair_text
from ..ledger import CodeLedger
from ..locks import LockTarget, lock_ids
from ..models import CodeUse, Reservation
from ..vendors.base import VendorError, VendorUnavailableError
from .coordinator import ReservationsCoordinator
from .options import ReservationsOptions

POLL_EVERY = timedelta(minutes=5)
# Logs reach the cloud late (a keypad syncs through its bridge): read back a little.
LOG_OVERLAP = timedelta(minutes=30)
# No code window opens earlier than this before check-in (the margin is at most a day).
WATCH_AHEAD = timedelta(days=2)
ARRIVED = "arrived"
NOT_ARRIVED = "not_arrived"


@dataclass(frozen=True, slots=True)
class Arrival:
    """A stay's first code use on one lock."""

    record: CodeRecord
    at: datetime


class ArrivalWatcher:
    """Finds one reservations entry's arrivals, and warns about stays nobody entered."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        coordinator: ReservationsCoordinator,
        ledger: CodeLedger,
        resolve_locks: Callable[[list[str]], list[LockTarget]],
    ) -> None:
        """`resolve_locks(lock_keys)` gives the loaded locks with those keys."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.ledger = ledger
        self._resolve_locks = resolve_locks
        # Per lock key, when its log was last read completely: the next read starts there.
        self._read_until: dict[str, datetime] = {}
        self._running = False
        self._refused: set[str] = set()

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Watch on a timer; returns the stopper."""
        return async_track_time_interval(self.hass, self._run_on_timer, POLL_EVERY)

    async def _run_on_timer(self, now: datetime) -> None:
        await self.async_run()

    async def async_run(self) -> None:
        """Read the logs that may hold an arrival, then warn about stays past due."""
        if self._running:
            return
        self._running = True
        try:
            now = dt_util.utcnow()
            reservations = self.coordinator.data or {}
            await self._async_find_arrivals(reservations, now)
            self._warn_not_arrived(reservations, now)
        finally:
            self._running = False

    def _watched(
        self, reservations: dict[str, Reservation], now: datetime
    ) -> dict[str, list[CodeRecord]]:
        """Gather the live, unused codes of stays nobody has entered yet, per lock key."""
        watched: defaultdict[str, list[CodeRecord]] = defaultdict(list)
        for reservation in reservations.values():
            if reservation.end <= now or reservation.start > now + WATCH_AHEAD:
                continue
            records = self.ledger.records(reservation.uid, self.entry.entry_id)
            if any(record.used_at for record in records):
                continue
            for record in records:
                if record.status is CodeStatus.ISSUED and _live(record, now):
                    watched[record.lock_key].append(record)
        return watched

    async def _async_find_arrivals(
        self, reservations: dict[str, Reservation], now: datetime
    ) -> None:
        watched = self._watched(reservations, now)
        targets = {
            target.key: target
            for target in self._resolve_locks(list(watched))
            if target.lock.capabilities.reports_code_use
        }
        self._read_until = {
            key: at for key, at in self._read_until.items() if key in watched
        }
        found: list[Arrival] = []
        for key, target in targets.items():
            records = watched[key]
            since = min(record.window.start for record in records)
            if (read_until := self._read_until.get(key)) is not None:
                since = max(since, read_until - LOG_OVERLAP)
            uses = await self._async_uses(target, since)
            if uses is None:
                continue
            self._read_until[key] = now
            found.extend(_arrivals(records, uses))
        first_per_stay: dict[str, Arrival] = {}
        for arrival in sorted(found, key=lambda a: a.at):
            current = self.ledger.get(
                arrival.record.uid, arrival.record.lock_key, arrival.record.scope
            )
            if current is None or current.used_at:
                continue
            await self.ledger.async_put(current.evolve(used_at=arrival.at.isoformat()))
            first_per_stay.setdefault(arrival.record.uid, arrival)
        for uid, arrival in first_per_stay.items():
            if (reservation := reservations.get(uid)) is not None:
                self._announce(reservation, arrival)
        if found:
            # The calendar's current event now says who arrived.
            self.coordinator.async_update_listeners()

    async def _async_uses(
        self, target: LockTarget, since: datetime
    ) -> list[CodeUse] | None:
        """Read the lock's code uses since then; None when its log cannot be read now."""
        account = target.entry.runtime_data
        try:
            async with account.vendor_calls:
                return await account.vendor.async_get_code_uses(target.lock, since)
        except VendorUnavailableError as err:
            LOGGER.debug(
                "%s: the log of %s cannot be read now: %s",
                self.entry.title,
                target.lock.name,
                err.detail or type(err).__name__,
            )
            return None
        except VendorError as err:
            # Refused, not down (a UniFi token without the system-log scope, say): tell
            # the host once per run, then keep trying quietly in case it is fixed.
            log = LOGGER.debug if target.key in self._refused else LOGGER.warning
            self._refused.add(target.key)
            log(
                "%s: the log of %s cannot be read, so arrivals there are not seen: %s",
                self.entry.title,
                target.lock.name,
                err.detail or type(err).__name__,
            )
            return None

    @callback
    def _announce(self, reservation: Reservation, arrival: Arrival) -> None:
        """Tell automations and the entry's event entity; end any not-arrived warning."""
        record = arrival.record
        target = next(iter(self._resolve_locks([record.lock_key])), None)
        data = {
            **_stay(self.entry.entry_id, reservation),
            "lock": record.lock_name,
            **lock_ids(target),
            "time": arrival.at.isoformat(),
            "code_kind": record.kind,
        }
        LOGGER.info(
            "%s: the guest of the stay starting %s arrived at %s (%s)",
            self.entry.title,
            reservation.start.isoformat(),
            arrival.at.isoformat(),
            record.lock_name,
        )
        self.hass.bus.async_fire(EVENT_GUEST_ARRIVED, data)
        async_dispatcher_send(
            self.hass, SIGNAL_ARRIVAL.format(self.entry.entry_id), ARRIVED, data
        )
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(reservation.uid))

    @callback
    def _warn_not_arrived(
        self, reservations: dict[str, Reservation], now: datetime
    ) -> None:
        """Warn once per stay nobody entered by check-in plus the entry's delay."""
        options = ReservationsOptions.from_entry(self.entry)
        mode = options.not_arrived
        delay = timedelta(hours=options.not_arrived_hours)
        registry = ir.async_get(self.hass)
        warned = {
            issue_id
            for (domain, issue_id) in registry.issues
            if domain == DOMAIN and issue_id.startswith(self._issue_id(""))
        }
        current: set[str] = set()
        for reservation in reservations.values():
            issue_id = self._issue_id(reservation.uid)
            if mode == NOT_ARRIVED_OFF or reservation.end <= now:
                continue
            if reservation.start + delay > now and issue_id not in warned:
                continue
            records = self.ledger.records(reservation.uid, self.entry.entry_id)
            if any(record.used_at for record in records):
                continue
            if issue_id in warned:
                current.add(issue_id)
                continue
            issued = [
                record for record in records if record.status is CodeStatus.ISSUED
            ]
            if not (watched := self._worth_warning(issued, mode == NOT_ARRIVED_ALL)):
                continue
            # A code issued after check-in (an entry added mid-stay) gets the whole delay.
            issued_at = min(
                datetime.fromisoformat(record.updated_at) for record in watched
            )
            if max(reservation.start, issued_at) + delay <= now:
                current.add(issue_id)
                self._warn(reservation, watched, issue_id)
        for issue_id in warned - current:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def _worth_warning(
        self, records: list[CodeRecord], every_lock: bool
    ) -> list[CodeRecord]:
        """Pick the stay's codes a missing use is worth a warning for.

        Codes that die unless used by some moment always are (their lock may never
        report a use); other codes when the host asked for every stay, on locks whose
        log would show a use.
        """
        reporting = {
            target.key
            for target in self._resolve_locks(list({r.lock_key for r in records}))
            if target.lock.capabilities.reports_code_use
        }
        return [
            record
            for record in records
            if record.use_by is not None
            or (every_lock and record.lock_key in reporting)
        ]

    @callback
    def _warn(
        self, reservation: Reservation, records: list[CodeRecord], issue_id: str
    ) -> None:
        deadline = min(
            (datetime.fromisoformat(r.use_by) for r in records if r.use_by is not None),
            default=None,
        )
        data = {
            **_stay(self.entry.entry_id, reservation),
            "locks": [record.lock_name for record in records],
            "first_use_deadline": deadline.isoformat() if deadline else None,
        }
        # The repair issue is the warning; for codes that die unused it is routine.
        LOGGER.info(
            "%s: no door code of the stay starting %s has been used",
            self.entry.title,
            reservation.start.isoformat(),
        )
        self.hass.bus.async_fire(EVENT_GUEST_NOT_ARRIVED, data)
        async_dispatcher_send(
            self.hass, SIGNAL_ARRIVAL.format(self.entry.entry_id), NOT_ARRIVED, data
        )
        placeholders = {
            "entry": self.entry.title,
            "summary": repair_text(reservation.summary or "Reserved"),
            "checkin": _local(reservation.start),
            "locks": repair_text(", ".join(data["locks"])),
        }
        if deadline is not None:
            placeholders["deadline"] = _local(deadline)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            # The issue is the record that the warning was given: a restart must not repeat it.
            is_persistent=True,
            severity=ir.IssueSeverity.WARNING,
            # The key is older than `use_by`; stored persistent issues name it.
            translation_key="guest_not_arrived_algopin"
            if deadline
            else "guest_not_arrived",
            translation_placeholders=placeholders,
        )

    def _issue_id(self, uid: str) -> str:
        return f"{NOT_ARRIVED}_{self.entry.entry_id}_{uid}"


@callback
def async_remove_warnings(hass: HomeAssistant, entry_id: str) -> None:
    """Drop a removed reservations entry's not-arrived issues."""
    prefix = f"{NOT_ARRIVED}_{entry_id}_"
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


def _arrivals(records: list[CodeRecord], uses: list[CodeUse]) -> list[Arrival]:
    """Each record's first use inside its window.

    A use is matched by the code's id at the vendor, or by its digits where the log
    shows digits: a lock holds one live code per set of digits, and a use outside the
    record's window belongs to another stay's code.
    """
    arrivals = []
    for record in records:
        window = record.window
        times = [
            use.at
            for use in uses
            if window.start <= use.at < window.end
            and (
                (use.vendor_id is not None and use.vendor_id == record.vendor_id)
                or (use.code is not None and use.code == record.code)
            )
        ]
        if times:
            arrivals.append(Arrival(record, min(times)))
    return arrivals


def _live(record: CodeRecord, now: datetime) -> bool:
    """Whether the code's window has begun and not ended."""
    window = record.window
    return window.start <= now < window.end


def _local(moment: datetime) -> str:
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M")


def _stay(entry_id: str, reservation: Reservation) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "uid": reservation.uid,
        "summary": reservation.summary,
        "checkin": reservation.start.isoformat(),
        "checkout": reservation.end.isoformat(),
    }
