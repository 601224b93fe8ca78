"""Automatic mode: codes issued before check-in, revoked on cancellation, events fired.

Runs after every refresh of the reservations and every few minutes, from the moment
the entry is loaded and Home Assistant has started: never inside the entry's set-up,
so a slow vendor holds up neither. Issuing goes through the same `codes` functions as
the services, so the ledger keeps it idempotent: a reservation that is already served
costs nothing, not even a vendor call. A cancelled stay is kept (and saved) until its
codes are revoked: a restart in between still revokes them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util
from homeassistant.util.async_ import create_eager_task

from ..codes import (
    CodeFailure,
    CodeRequest,
    already_issued,
    async_issue,
    async_revoke,
)
from ..const import (
    CODE_CHOICE_PHONE,
    CONF_LOCKS,
    DOMAIN,
    EVENT_CODE_FAILED,
    EVENT_CODE_ISSUED,
    EVENT_CODE_REVOKED,
    LOGGER,
    SIGNAL_LOCKS_LOADED,
)
from ..errors import repair_text
from ..ledger import CodeLedger, CodeRecord, CodeStatus
from ..locks import LockTarget, lock_ids
from ..models import Reservation
from ..planner import PlanRefused
from ..vendors.base import VendorUnavailableError
from ..vendors.retry import jitter
from .coordinator import ReservationsCoordinator
from .feed import without_phone_digits
from .options import ReservationsOptions

TICK = timedelta(minutes=5)
# Due stays one entry works on at once; each account also bounds its own vendor calls.
PARALLEL_ISSUES = 8
FAILURES_BEFORE_REPAIR = 3
MAX_BACKOFF = timedelta(hours=1)


@dataclass(slots=True)
class _Attempts:
    count: int
    next_try: datetime


class CodeScheduler:
    """Issues and revokes one reservations entry's codes on time."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        coordinator: ReservationsCoordinator,
        ledger: CodeLedger,
        resolve_locks: Any,
    ) -> None:
        """`resolve_locks(lock_keys)` gives the entry's locks as they are now."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.ledger = ledger
        self._resolve_locks = resolve_locks
        self._failures: dict[str, _Attempts] = {}
        self._running = False
        self._run_again = False
        self._started = False

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Run after each refresh and on a timer; returns the stopper."""
        coordinator = self.coordinator
        stop_listening = coordinator.async_add_listener(self._schedule_run)
        stop_timer = async_track_time_interval(self.hass, self._run_on_timer, TICK)
        # Accounts may finish loading after this entry (start-up order is not ours).
        stop_signal = async_dispatcher_connect(
            self.hass, SIGNAL_LOCKS_LOADED, self._schedule_run
        )
        stop_waiting = async_at_started(self.hass, self._start_running)

        @callback
        def stop() -> None:
            stop_listening()
            stop_timer()
            stop_signal()
            stop_waiting()

        return stop

    @callback
    def _start_running(self, hass: HomeAssistant) -> None:
        """Allow runs, and make the first: Home Assistant has started.

        Not eager: called during the entry's set-up, the run starts once the entry is
        loaded, and the set-up does not wait for it.
        """
        self._started = True
        self.entry.async_create_task(
            hass,
            self.async_run(),
            f"{DOMAIN} codes for {self.entry.title}",
            eager_start=False,
        )

    @callback
    def _schedule_run(self) -> None:
        self.entry.async_create_task(
            self.hass, self.async_run(), f"{DOMAIN} codes for {self.entry.title}"
        )

    async def _run_on_timer(self, now: datetime) -> None:
        await self.async_run()

    @property
    def targets(self) -> list[LockTarget]:
        """The entry's locks that are loaded now."""
        return self._resolve_locks(self.entry.data.get(CONF_LOCKS, []))

    def request_for(self, reservation: Reservation) -> CodeRequest:
        """The code window for a reservation, with the entry's margins."""
        options = ReservationsOptions.from_entry(self.entry)
        return CodeRequest(
            uid=reservation.uid,
            name=reservation.summary or "Guest",
            start=reservation.start - timedelta(minutes=options.margin_before_minutes),
            end=reservation.end + timedelta(minutes=options.margin_after_minutes),
            preferred_code=reservation.phone_last4
            if options.code_choice == CODE_CHOICE_PHONE
            else None,
        )

    async def async_run(self) -> None:
        """Issue what is due, revoke what was cancelled; once more if asked meanwhile."""
        if not self._started:
            return  # Home Assistant is starting: the first run comes once it has
        if self._running:
            # A refresh landed during this run: its news is handled before the run ends.
            self._run_again = True
            return
        self._running = True
        try:
            self._run_again = True
            while self._run_again:
                self._run_again = False
                await self._async_run_once()
        finally:
            self._running = False

    async def _async_run_once(self) -> None:
        coordinator = self.coordinator
        reservations = coordinator.data or {}
        self._forget_gone(reservations, dt_util.utcnow())
        targets = self.targets
        if targets and ReservationsOptions.from_entry(self.entry).auto_issue:
            await self._async_issue_due(list(reservations.values()), targets)
        # Even without a lock loaded: a cancelled stay with nothing left to revoke (or
        # ended) is forgotten, so the saved list cannot grow for ever.
        await self._async_revoke_cancelled(targets)

    async def _async_revoke_cancelled(self, targets: list[LockTarget]) -> None:
        """Revoke the cancelled stays' codes; forget a stay only once that is done.

        Until then it stays in the coordinator's (saved) list, so a failed revocation
        is tried again on the next run, and a restart in between still revokes.
        """
        coordinator = self.coordinator
        # A copy: a refresh may add cancellations while this run awaits.
        cancelled = list(coordinator.cancelled)
        if not cancelled:
            return
        auto_revoke = ReservationsOptions.from_entry(self.entry).auto_revoke
        settled: list[Reservation] = []
        for reservation in cancelled:
            if reservation.uid in (coordinator.data or {}):
                # Back in the feed under its uid: its codes are a current stay's now.
                settled.append(reservation)
                continue
            if auto_revoke:
                await self._async_revoke(reservation, targets)
            if not auto_revoke or self._nothing_to_revoke(reservation):
                settled.append(reservation)
        await coordinator.async_forget_cancelled(settled)

    def _nothing_to_revoke(self, reservation: Reservation) -> bool:
        """Whether none of the entry's locks holds a revocable code of a cancelled stay.

        One that has ended is done with: its codes have ended too.
        """
        if reservation.end <= dt_util.utcnow():
            return True
        lock_keys = self.entry.data.get(CONF_LOCKS, [])
        return not any(
            record.status is CodeStatus.ISSUED and record.revocable
            for lock_key in lock_keys
            if (record := self.ledger.get(reservation.uid, lock_key)) is not None
        )

    async def _async_issue_due(
        self, reservations: list[Reservation], targets: list[LockTarget]
    ) -> None:
        """Issue the due stays' codes, several stays at once."""
        now = dt_util.utcnow()
        slots = asyncio.Semaphore(PARALLEL_ISSUES)

        async def issue(reservation: Reservation) -> None:
            async with slots:
                await self._async_issue_stay(reservation, targets)

        # Eager: a stay that never has to wait is done without a turn of the loop.
        tasks = [
            create_eager_task(issue(reservation))
            for reservation in reservations
            if self._due(reservation, targets, now)
        ]
        if not all(task.done() for task in tasks):
            await asyncio.gather(*tasks)  # which cancels them if this run is cancelled
        for task in tasks:
            task.result()  # raises what a stay's task raised

    def _due(
        self, reservation: Reservation, targets: list[LockTarget], now: datetime
    ) -> bool:
        """Whether a stay needs a code now: in its issue window, unserved, not backing off."""
        hours = timedelta(
            hours=ReservationsOptions.from_entry(self.entry).issue_hours_before
        )
        if reservation.end <= now or reservation.start - hours > now:
            return False
        request = self.request_for(reservation)
        records = [self.ledger.get(request.uid, t.key) for t in targets]
        if all(already_issued(record, request) for record in records) and all(
            record is not None and record.announced for record in records
        ):
            return False
        attempts = self._failures.get(reservation.uid)
        return attempts is None or now >= attempts.next_try

    @callback
    def _forget_gone(self, reservations: dict[str, Reservation], now: datetime) -> None:
        """Drop the retry state (and repair issue) of stays that ended or left the feed."""
        gone = [
            uid
            for uid in self._failures
            if (reservation := reservations.get(uid)) is None or reservation.end <= now
        ]
        for uid in gone:
            del self._failures[uid]
            ir.async_delete_issue(
                self.hass, DOMAIN, _issue_id(self.entry.entry_id, uid)
            )

    async def _async_issue_stay(
        self, reservation: Reservation, targets: list[LockTarget]
    ) -> None:
        """Issue a due stay's code (the ledger skips the locks it already has)."""
        now = dt_util.utcnow()
        request = self.request_for(reservation)
        try:
            records = await async_issue(self.hass, self.ledger, targets, request)
        except PlanRefused as err:
            self._failed(reservation, err.key, [], now)
            return
        except CodeFailure as err:
            self._failed(
                reservation, err.failures[0][1].key, err.records, now, _retry_after(err)
            )
            return
        self._succeeded(reservation)
        self.hass.bus.async_fire(EVENT_CODE_ISSUED, self._event(reservation, records))
        for record in records:
            if not record.announced:
                await self.ledger.async_put(record.evolve(announced=True))

    def _failed(
        self,
        reservation: Reservation,
        reason: str,
        records: list[CodeRecord],
        now: datetime,
        retry_after: float | None = None,
    ) -> None:
        """Fire the failure, and wait longer each time, never less than the vendor asked."""
        previous = self._failures.get(reservation.uid)
        count = previous.count + 1 if previous else 1
        ceiling = min(timedelta(minutes=2**count), MAX_BACKOFF).total_seconds()
        # Jitter keeps entries that failed together from retrying in step.
        seconds = max(ceiling / 2 + jitter(ceiling / 2), retry_after or 0.0)
        backoff = timedelta(seconds=round(seconds))
        self._failures[reservation.uid] = _Attempts(count, now + backoff)
        LOGGER.warning(
            "%s: could not issue the code for a stay starting %s (%s); retrying in %s",
            self.entry.title,
            reservation.start.isoformat(),
            reason,
            backoff,
        )
        self.hass.bus.async_fire(
            EVENT_CODE_FAILED, {**self._event(reservation, records), "reason": reason}
        )
        if count >= FAILURES_BEFORE_REPAIR:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                _issue_id(self.entry.entry_id, reservation.uid),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="code_failed",
                translation_placeholders={
                    "entry": self.entry.title,
                    "summary": repair_text(reservation.summary),
                    "start": reservation.start.isoformat(),
                    "reason": reason,
                },
            )

    def _succeeded(self, reservation: Reservation) -> None:
        if self._failures.pop(reservation.uid, None) is not None:
            ir.async_delete_issue(
                self.hass, DOMAIN, _issue_id(self.entry.entry_id, reservation.uid)
            )

    async def _async_revoke(
        self, reservation: Reservation, targets: list[LockTarget]
    ) -> None:
        revocable = [
            target
            for target in targets
            if (record := self.ledger.get(reservation.uid, target.key)) is not None
            and record.status is CodeStatus.ISSUED
            and record.revocable
        ]
        if not revocable:
            return
        try:
            records = await async_revoke(self.ledger, revocable, uid=reservation.uid)
        except (PlanRefused, CodeFailure, HomeAssistantError) as err:
            LOGGER.warning(
                "%s: could not revoke a cancelled stay's code: %s",
                self.entry.title,
                type(err).__name__,
            )
            return
        self.hass.bus.async_fire(EVENT_CODE_REVOKED, self._event(reservation, records))

    def _event(
        self, reservation: Reservation, records: list[CodeRecord]
    ) -> dict[str, Any]:
        """Give an event's data: everything an automation needs but the codes.

        The recorder keeps every event; an automation gets the codes from issue_code's
        or get_codes' response.
        """
        targets = {target.key: target for target in self.targets}
        return {
            "entry_id": self.entry.entry_id,
            "uid": reservation.uid,
            "summary": reservation.summary,
            "description": without_phone_digits(reservation.description),
            "checkin": reservation.start.isoformat(),
            "checkout": reservation.end.isoformat(),
            "locks": [record.lock_name for record in records],
            "codes": [
                {**record.as_dict(), **lock_ids(targets.get(record.lock_key))}
                for record in records
            ],
        }


def _retry_after(failure: CodeFailure) -> float | None:
    """Find the longest wait any of the failed locks' vendors asked for."""
    waits = [
        err.retry_after
        for _, err in failure.failures
        if isinstance(err, VendorUnavailableError) and err.retry_after is not None
    ]
    return max(waits, default=None)


def _issue_id(entry_id: str, uid: str) -> str:
    return f"code_failed_{entry_id}_{uid}"
