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
    async_revoke_superseded,
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
from ..ledger import CodeLedger, CodeRecord, CodeStatus, Decider
from ..locks import LockTarget, lock_ids
from ..models import Reservation, Window
from ..planner import PlanRefused
from ..vendors.base import VendorUnavailableError
from ..vendors.retry import jitter
from .code_cap import NewCodeCap
from .coordinator import ReservationsCoordinator
from .entry_codes import async_revoke_entry_codes
from .feed import without_phone_digits
from .options import ReservationsOptions

TICK = timedelta(minutes=5)
# Due stays one entry works on at once; each account also bounds its own vendor calls.
PARALLEL_ISSUES = 8
FAILURES_BEFORE_REPAIR = 3
ISSUE_TOO_MANY_NEW_CODES = "too_many_new_codes"
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
        resolve_locks: Callable[[list[str]], list[LockTarget]],
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
        self._cap = NewCodeCap()

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
        self._forget_gone(reservations, dt_util.utcnow())
        targets = self.targets
        if targets:
            await self._async_claim_unscoped(reservations, targets)
            await self._async_revoke_off_entry()
            await self._async_break_superseded(targets)
            if ReservationsOptions.from_entry(self.entry).auto_issue:
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
        admitted = self._admit(due, targets)
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

    def _admit(
        self, due: list[Reservation], targets: list[LockTarget]
    ) -> dict[str, list[LockTarget]]:
        """Bound the new codes per lock (see code_cap.py); a held lock raises a repair."""
        scope = self.entry.entry_id
        wanted = [
            (
                reservation.uid,
                {
                    target.key
                    for target in targets
                    if not _live(self.ledger.get(reservation.uid, target.key, scope))
                },
            )
            for reservation in due
        ]
        admitted = self._cap.admit(wanted)
        new = dict(wanted)
        held = sorted(
            target.lock.name for target in targets if target.key in self._cap.held
        )
        if held:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._cap_issue_id,
                is_fixable=True,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_TOO_MANY_NEW_CODES,
                translation_placeholders={
                    "entry": self.entry.title,
                    "locks": ", ".join(held),
                    "limit": str(self._cap.limit),
                },
                data={"entry_id": scope},
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, self._cap_issue_id)
        return {
            reservation.uid: [
                target
                for target in targets
                if target.key not in new[reservation.uid]
                or target.key in admitted[reservation.uid]
            ]
            for reservation in due
        }

    @property
    def _cap_issue_id(self) -> str:
        return f"{ISSUE_TOO_MANY_NEW_CODES}_{self.entry.entry_id}"

    @callback
    def async_lift_cap(self) -> None:
        """Issue every due code on the next run: the host has seen the burst."""
        self._cap.lift()
        ir.async_delete_issue(self.hass, DOMAIN, self._cap_issue_id)
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
        attempts = self._failures.get(reservation.uid)
        return attempts is None or now >= attempts.next_try

    async def _async_claim_unscoped(
        self, reservations: dict[str, Reservation], targets: list[LockTarget]
    ) -> None:
        """Take this entry's stays' records written before records had a scope."""
        scope = self.entry.entry_id
        for uid in reservations:
            for target in targets:
                if (
                    self.ledger.get(uid, target.key, scope) is None
                    and (record := self.ledger.get(uid, target.key, "")) is not None
                    and not self.ledger.busy(record.key)
                ):
                    await self.ledger.async_move(record, scope=scope)

    async def _async_revoke_off_entry(self) -> None:
        """Revoke the live codes this entry made on locks it no longer names."""
        await async_revoke_entry_codes(
            self.hass,
            self.ledger,
            self.entry,
            keep=set(self.entry.data.get(CONF_LOCKS, [])),
        )

    async def _async_break_superseded(self, targets: list[LockTarget]) -> None:
        """Revoke the old codes new windows replaced whose revoke failed or was cut short."""
        by_key = {target.key: target for target in targets}
        for record in self.ledger.records(scope=self.entry.entry_id):
            if (
                record.superseded is None
                or record.status is not CodeStatus.ISSUED
                or (target := by_key.get(record.lock_key)) is None
                or self.ledger.busy(record.key)
            ):
                continue
            async with self.ledger.working_on(record.key):
                if (
                    current := self.ledger.get(
                        record.uid, record.lock_key, record.scope
                    )
                ) == record:
                    await async_revoke_superseded(
                        self.ledger, target, current, strict=False
                    )

    def _unserved(
        self, reservation: Reservation, targets: list[LockTarget]
    ) -> list[LockTarget]:
        """List the locks where the stay's code is not as automatic mode would have it."""
        request = self.request_for(reservation)
        return [
            target
            for target in targets
            if needs_code(
                self.ledger.get(request.uid, target.key, request.scope), request
            )
        ]

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
        if not (targets := self._unserved(reservation, targets)):
            return  # served meanwhile (a host's call, say)
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


def needs_code(record: CodeRecord | None, request: CodeRequest) -> bool:
    """Tell whether automatic mode must (re)issue the request's code on a lock.

    The host's word wins: a code the host revoked stays revoked while the stay keeps
    its dates, and a code the host issued is kept while it covers the stay.
    """
    if record is None:
        return True
    if record.decided_by is Decider.HOST and request.stay is not None:
        if record.status is CodeStatus.REVOKED:
            return not _same_stay(record, request)
        if record.status is CodeStatus.ISSUED and _covers(record, request.stay):
            return False
    return not (already_issued(record, request) and record.announced)


def _same_stay(record: CodeRecord, request: CodeRequest) -> bool:
    """Tell whether the record was decided for the stay's current dates."""
    stay = request.stay
    if record.stay_start is None or record.stay_end is None or stay is None:
        return record.requested(request.start, request.end)
    return (record.stay_start, record.stay_end) == (
        stay.start.isoformat(),
        stay.end.isoformat(),
    )


def _covers(record: CodeRecord, stay: Window) -> bool:
    """Tell whether the record's code opens the lock for the whole stay."""
    try:
        window = record.window
    except ValueError:
        return False
    return window.start <= stay.start and window.end >= stay.end


def _revocable(record: CodeRecord) -> bool:
    """Tell whether a cancelled stay's record may hold a working code to revoke."""
    return record.live and (record.revocable or record.superseded is not None)


def _live(record: CodeRecord | None) -> bool:
    """Tell whether a record holds a code on its lock (a window change is no new code)."""
    return record is not None and record.status in (
        CodeStatus.ISSUED,
        CodeStatus.PENDING,
    )


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
