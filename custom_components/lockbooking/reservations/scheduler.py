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
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util
from homeassistant.util.async_ import create_eager_task

from ..code_choice import CodeRequest, with_common_code
from ..code_record import CodeRecord
from ..codes import CodeFailure, async_issue
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
from ..ledger import CodeLedger
from ..locks import LockTarget, lock_ids
from ..models import Reservation, Window
from ..planner import PlanRefused
from ..revoke import async_revoke
from ..vendors.base import VendorUnavailableError
from .cap_gate import CapGate
from .coordinator import ReservationsCoordinator
from .entry_codes import async_tidy_entry_codes
from .feed import without_phone_digits
from .host_word import needs_code
from .issue_retries import IssueRetries
from .options import ReservationsOptions

TICK = timedelta(minutes=5)
# Due stays one entry works on at once; each account also bounds its own vendor calls.
PARALLEL_ISSUES = 8
FAILURES_BEFORE_REPAIR = 3
MAX_BACKOFF = timedelta(hours=1)


class CodeScheduler:
    """Issues and revokes one reservations entry's codes on time."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        coordinator: ReservationsCoordinator,
        ledger: CodeLedger,
        resolve_locks: Callable[[list[str]], list[LockTarget]],
    ) -> None:
        """`resolve_locks(lock_keys)` gives the entry's locks as they are now."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.ledger = ledger
        self._resolve_locks = resolve_locks
        self._retries = IssueRetries(hass, entry)
        self._running = False
        self._run_again = False
        self._started = False
        self._cap = CapGate(hass, entry, ledger)

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
        """Make the code request for a reservation: its stay plus the entry's margins."""
        options = ReservationsOptions.from_entry(self.entry)
        return CodeRequest(
            uid=reservation.uid,
            name=reservation.summary or "Guest",
            start=reservation.start - timedelta(minutes=options.margin_before_minutes),
            end=reservation.end + timedelta(minutes=options.margin_after_minutes),
            preferred_code=reservation.phone_last4
            if options.code_choice == CODE_CHOICE_PHONE
            else None,
            scope=self.entry.entry_id,
            stay=Window(reservation.start, reservation.end),
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
        self._retries.forget_gone(reservations, dt_util.utcnow())
        targets = self.targets
        # Even with none of its own locks loaded: a lock taken off the entry may be.
        await async_tidy_entry_codes(
            self.hass, self.ledger, self.entry, list(reservations), targets
        )
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
        """Tell whether none of the entry's locks holds a code of a cancelled stay's.

        One that has ended is done with: its codes have ended too.
        """
        if reservation.end <= dt_util.utcnow():
            return True
        scope = self.entry.entry_id
        return not any(
            _revocable(record)
            for lock_key in self.entry.data.get(CONF_LOCKS, [])
            if (record := self.ledger.get(reservation.uid, lock_key, scope)) is not None
        )

    async def _async_issue_due(
        self, reservations: list[Reservation], targets: list[LockTarget]
    ) -> None:
        """Issue the due stays' codes, several stays at once."""
        now = dt_util.utcnow()
        slots = asyncio.Semaphore(PARALLEL_ISSUES)

        async def issue(reservation: Reservation, targets: list[LockTarget]) -> None:
            async with slots:
                await self._async_issue_stay(reservation, targets)

        due = [r for r in reservations if self._due(r, targets, now)]
        admitted = self._cap.admit(due, targets)
        # Eager: a stay that never has to wait is done without a turn of the loop.
        tasks = [
            create_eager_task(issue(reservation, admitted[reservation.uid]))
            for reservation in due
            if admitted[reservation.uid]
        ]
        if not all(task.done() for task in tasks):
            await asyncio.gather(*tasks)  # which cancels them if this run is cancelled
        for task in tasks:
            task.result()  # raises what a stay's task raised

    @callback
    def async_lift_cap(self) -> None:
        """Issue every due code on the next run: the host has seen the burst."""
        self._cap.lift()
        self._schedule_run()

    def _due(
        self, reservation: Reservation, targets: list[LockTarget], now: datetime
    ) -> bool:
        """Whether a stay needs a code now: in its issue window, unserved, not backing off."""
        hours = timedelta(
            hours=ReservationsOptions.from_entry(self.entry).issue_hours_before
        )
        if reservation.end <= now or reservation.start - hours > now:
            return False
        if not self._unserved(reservation, targets):
            return False
        return not self._retries.waiting(reservation.uid, now)

    def _unserved(
        self, reservation: Reservation, targets: list[LockTarget]
    ) -> list[LockTarget]:
        """List the locks where the stay's code is not as automatic mode would have it."""
        request = self.request_for(reservation)
        arrived = any(
            record.used_at for record in self.ledger.records(request.uid, request.scope)
        )
        return [
            target
            for target in targets
            if needs_code(
                self.ledger.get(request.uid, target.key, request.scope),
                request,
                arrived=arrived,
            )
        ]

    async def _async_issue_stay(
        self, reservation: Reservation, targets: list[LockTarget]
    ) -> None:
        """Issue a due stay's code (the ledger skips the locks it already has)."""
        now = dt_util.utcnow()
        request = self.request_for(reservation)
        if not (targets := self._unserved(reservation, targets)):
            return  # served meanwhile (a host's call, say)
        if ReservationsOptions.from_entry(self.entry).same_code:
            # Over all the entry's locks, served ones too: their codes are the stay's.
            request = with_common_code(self.ledger, self.targets, request)
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
        self._retries.succeeded(reservation.uid)
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
        """Fire the failure; the stay waits before it is tried again."""
        self._retries.failed(reservation, reason, now, retry_after)
        self.hass.bus.async_fire(
            EVENT_CODE_FAILED, {**self._event(reservation, records), "reason": reason}
        )

    async def _async_revoke(
        self, reservation: Reservation, targets: list[LockTarget]
    ) -> None:
        """Revoke a cancelled stay's live codes, the host's included: nobody's stay."""
        scope = self.entry.entry_id
        revocable = [
            target
            for target in targets
            if (record := self.ledger.get(reservation.uid, target.key, scope))
            is not None
            and _revocable(record)
        ]
        if not revocable:
            return
        try:
            records = await async_revoke(
                self.ledger, revocable, uid=reservation.uid, scope=scope
            )
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


def _revocable(record: CodeRecord) -> bool:
    """Tell whether a cancelled stay's record may hold a working code to revoke."""
    return record.live and (record.revocable or record.superseded is not None)


def _retry_after(failure: CodeFailure) -> float | None:
    """Find the longest wait any of the failed locks' vendors asked for."""
    waits = [
        err.retry_after
        for _, err in failure.failures
        if isinstance(err, VendorUnavailableError) and err.retry_after is not None
    ]
    return max(waits, default=None)
