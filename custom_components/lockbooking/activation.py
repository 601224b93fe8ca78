"""Scheduled activation: codes on locks that keep no time window themselves.

A Z-Wave, ZHA or Matter keypad holds codes in numbered slots and opens for a code in a
slot whatever the time. So a code for such a lock (`Lock.slots`) is issued as a record
with a slot kept for its window, and nothing is sent to the lock until the window
opens: then the code is written into the slot, and when the window closes it is
cleared. A revoke clears it at once. The record is the schedule: what it says is on
the lock (`on_lock_slot`, `on_lock_code`) is compared with what should be there now,
so a restart, a missed moment or a failed call is caught up by the next run — on the
account's set-up, at each record's next moment, and every few minutes while a call
fails. A lock that cannot be reached turns the code `failed` with a repair: before the
window opens if the lock is already unreachable then, or when a write or clear fails.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from .code_record import CodeRecord, CodeStatus
from .const import DOMAIN, EVENT_CODE_FAILED, LOGGER
from .coordinator import LockbookingConfigEntry
from .ledger import CodeLedger
from .locks import LockTarget, lock_id_in, lock_ids, locks_for_keys
from .models import Lock, SlotRange
from .planner import PlanRefused
from .slot_choice import late, settled, slot_for, wanted_slot
from .slot_release import ISSUE_NOT_CLEARED, async_release_lock, async_set_slot
from .vendors.base import VendorError, VendorRejectedError

# While a write or a clear fails, it is tried again this often.
RETRY_AFTER = timedelta(minutes=5)
# The soonest a run follows another one.
RETRY_SOON = timedelta(seconds=30)
# How long before a window opens the lock is checked for being reachable.
CHECK_BEFORE = timedelta(hours=1)
ISSUE_NOT_WRITTEN = "slot_code_not_written"
UNREACHABLE = "lock_unreachable"


class SlotActivation:
    """Writes and clears one account's slot codes as their windows open and close."""

    def __init__(
        self, hass: HomeAssistant, entry: LockbookingConfigEntry, ledger: CodeLedger
    ) -> None:
        """Work on the account's slot locks' records in the shared ledger."""
        self.hass = hass
        self.entry = entry
        self.ledger = ledger
        self._timer: CALLBACK_TYPE | None = None
        self._running = False

    @callback
    def async_stop(self) -> None:
        """Forget the next run (the entry unloads)."""
        if self._timer is not None:
            self._timer()
            self._timer = None

    def records(self) -> list[CodeRecord]:
        """List the account's records that hold, or will hold, a slot on its locks."""
        return [
            record
            for record in self.ledger.records()
            if lock_id_in(self.entry.unique_id, record.lock_key) is not None
            and (
                record.slot is not None
                or record.on_lock_slot is not None
                or record.stale_slot is not None
            )
        ]

    async def async_run(self) -> None:
        """Bring every slot of the account's locks in line with its records, then re-arm."""
        self._timer = None
        self._running = True
        now = dt_util.utcnow()
        try:
            for listed in self.records():
                if _over(listed, now):
                    continue
                async with self.ledger.working_on(listed.key):
                    record = self.ledger.get(listed.uid, listed.lock_key, listed.scope)
                    if record is None:
                        continue
                    # A failure is told (record, repair, event) and tried again soon.
                    with suppress(VendorError):
                        await self.async_apply(record, arm=False)
        finally:
            self._running = False
        self._arm()

    async def async_apply(self, record: CodeRecord, *, arm: bool = True) -> CodeRecord:
        """Make the lock hold what the record wants now; the caller holds the record.

        Raises VendorError when the lock did not take a write or a clear: the record
        says so, a repair tells the host, and the next run tries again.
        """
        now = dt_util.utcnow()
        lock = self._lock(record)
        if lock is not None:
            record = await self._async_reslot(record, lock)
        record = await self._async_check_ahead(record, lock, now)
        if settled(record, now):
            if arm:
                self._arm()
            return record
        try:
            if lock is None:
                raise VendorRejectedError("The lock is not in the account any more.")
            record = await self._async_bring_in_line(record, lock, now)
        except VendorError as err:
            record = await self._async_failed(record, err.key)
            self._repair(record, lock)
            if arm:
                self._arm(now + RETRY_AFTER)
            raise
        self._repair(record, lock)
        if arm:
            self._arm()
        return record

    async def _async_reslot(self, record: CodeRecord, lock: Lock) -> CodeRecord:
        """Give a code another slot when the host moved the lock's managed slots."""
        if (
            lock.slots is None
            or record.slot is None
            or record.slot in lock.slots
            or record.status is not CodeStatus.ISSUED
        ):
            return record
        window = record.window
        try:
            slot = slot_for(
                self.ledger,
                LockTarget(self.entry, lock),
                window.start,
                window.end,
                own_key=record.key,
            )
        except PlanRefused:
            return await self.ledger.async_put(record.evolve(error="no_free_slot"))
        return await self.ledger.async_put(record.evolve(slot=slot))

    async def _async_check_ahead(
        self, record: CodeRecord, lock: Lock | None, now: datetime
    ) -> CodeRecord:
        """Flag a code whose lock is unreachable in the hour before its window opens."""
        if wanted_slot(record, now) is not None or record.slot is None:
            return record
        if record.status is not CodeStatus.ISSUED or record.on_lock_slot is not None:
            return record
        starts = record.window.start
        if not starts - CHECK_BEFORE <= now < starts:
            return record
        reachable = lock is not None and lock.status.online
        if reachable and record.error == UNREACHABLE:
            record = await self.ledger.async_put(record.evolve(error=None))
        elif not reachable and record.error is None:
            record = await self._async_failed(record, UNREACHABLE)
        self._repair(record, lock)
        return record

    async def _async_bring_in_line(
        self, record: CodeRecord, lock: Lock, now: datetime
    ) -> CodeRecord:
        """Write the wanted code, then clear what no longer belongs on the lock."""
        vendor = self.entry.runtime_data.vendor
        want = wanted_slot(record, now)
        window = record.window
        if want is not None and record.code is not None:
            if (record.on_lock_slot, record.on_lock_code) != (want, record.code):
                async with self.entry.runtime_data.vendor_calls:
                    await async_set_slot(vendor, lock, want, record.code)
                previous = record.on_lock_slot
                record = await self.ledger.async_put(
                    record.evolve(
                        on_lock_slot=want,
                        on_lock_code=record.code,
                        stale_slot=previous if previous != want else record.stale_slot,
                        error=None,
                        notes=late(record.notes, "Written", window.start, now),
                    )
                )
        elif record.on_lock_slot is not None:
            await self._async_clear(lock, record.on_lock_slot)
            ended = now >= window.end and record.status is CodeStatus.ISSUED
            record = await self.ledger.async_put(
                record.evolve(
                    on_lock_slot=None,
                    on_lock_code=None,
                    error=None,
                    notes=late(record.notes, "Cleared", window.end, now)
                    if ended
                    else record.notes,
                )
            )
        if record.stale_slot is not None:
            await self._async_clear(lock, record.stale_slot)
            record = await self.ledger.async_put(record.evolve(stale_slot=None))
        if record.error is not None and settled(record, now):
            record = await self.ledger.async_put(record.evolve(error=None))
        return record

    async def _async_clear(self, lock: Lock, slot: int) -> None:
        """Clear one of the record's slots, one vendor call at a time with the others."""
        async with self.entry.runtime_data.vendor_calls:
            await async_set_slot(self.entry.runtime_data.vendor, lock, slot, None)

    async def async_release(self, lock_id: str, keep: SlotRange | None) -> None:
        """Clear a lock's codes from slots it stops managing (all, when it leaves).

        Raises VendorError when a slot may still hold a code: the host's change waits.
        """
        lock = (self.entry.runtime_data.coordinator.data or {}).get(lock_id)
        if lock is None:
            return
        async with self.entry.runtime_data.vendor_calls:
            await async_release_lock(
                self.ledger,
                self.entry.runtime_data.vendor,
                self.entry.unique_id,
                lock,
                keep,
            )

    async def _async_failed(self, record: CodeRecord, reason: str) -> CodeRecord:
        """Record why the lock does not hold what it should; tell automations once."""
        first = record.error is None
        record = await self.ledger.async_put(record.evolve(error=reason))
        if first:
            found = locks_for_keys(self.hass, [record.lock_key])
            target = found[0] if found else None
            self.hass.bus.async_fire(
                EVENT_CODE_FAILED,
                {
                    "entry_id": record.scope or None,
                    "uid": record.uid,
                    "locks": [record.lock_name],
                    "codes": [{**record.as_dict(), **lock_ids(target)}],
                    "reason": reason,
                },
            )
        return record

    def _lock(self, record: CodeRecord) -> Lock | None:
        lock_id = lock_id_in(self.entry.unique_id, record.lock_key)
        locks = self.entry.runtime_data.coordinator.data or {}
        return locks.get(lock_id) if lock_id is not None else None

    @callback
    def _repair(self, record: CodeRecord, lock: Lock | None) -> None:
        """Raise or drop the repair that tells the host a lock misses or keeps a code."""
        lock_id = lock_id_in(self.entry.unique_id, record.lock_key) or ""
        failing = record.error is not None
        now = dt_util.utcnow()
        keeps = failing and (
            record.stale_slot is not None
            or record.on_lock_slot not in (None, wanted_slot(record, now))
        )
        issues = ir.async_get(self.hass)
        for key, raised in (
            (ISSUE_NOT_WRITTEN, failing and not keeps),
            (ISSUE_NOT_CLEARED, keeps),
        ):
            issue_id = f"{key}_{self.entry.entry_id}_{lock_id}"
            if issues.async_get_issue(DOMAIN, issue_id) is not None:
                # Raised already; it goes once no code of the lock fails any more.
                if not raised and not any(
                    other.error is not None and other.lock_key == record.lock_key
                    for other in self.records()
                ):
                    ir.async_delete_issue(self.hass, DOMAIN, issue_id)
                continue
            if not raised:
                continue
            starts = dt_util.as_local(record.window.start)
            LOGGER.warning(
                "A code slot of %s could not be brought up to date (%s); retrying",
                record.lock_name,
                record.error,
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=key,
                translation_placeholders={
                    "lock": lock.name if lock is not None else record.lock_name,
                    "starts": f"{starts:%Y-%m-%d %H:%M}",
                },
            )

    @callback
    def _arm(self, soonest: datetime | None = None) -> None:
        """Run again at the next moment a record's code must change on a lock."""
        now = dt_util.utcnow()
        moments = [soonest] if soonest is not None else []
        for record in self.records():
            if _over(record, now):
                continue
            if not settled(record, now):
                # Due now (a moment passed while another run re-armed), or retried.
                moments.append(now if record.error is None else now + RETRY_AFTER)
            window = record.window
            moments.extend(
                moment
                for moment in (window.start - CHECK_BEFORE, window.start, window.end)
                if moment > now
            )
        if not moments:
            return
        when = min(moments)
        if self._timer is not None:
            self._timer()
            self._timer = None
        if when <= now and not self._running:
            self._due(now)  # a moment passed while another call re-armed
            return
        self._timer = async_track_point_in_utc_time(
            self.hass, self._due, max(when, now + RETRY_SOON)
        )

    @callback
    def _due(self, now: datetime) -> None:
        self._timer = None
        self.entry.async_create_background_task(
            self.hass, self.async_run(), f"{DOMAIN} code slots of {self.entry.title}"
        )


def _over(record: CodeRecord, now: datetime) -> bool:
    """Tell whether a record will never need its lock again (its window is over)."""
    return settled(record, now) and record.window.end <= now


async def async_setup_activation(
    hass: HomeAssistant, entry: LockbookingConfigEntry, ledger: CodeLedger
) -> None:
    """Catch the account's slot codes up in the background, and keep them on time.

    Set-up does not wait on a lock: a window missed while Home Assistant was down is
    written (or cleared) late by the first run, once Home Assistant has started.
    """
    activation = SlotActivation(hass, entry, ledger)
    entry.runtime_data.activation = activation
    entry.async_on_unload(activation.async_stop)

    @callback
    def catch_up(hass: HomeAssistant) -> None:
        # Once Home Assistant has started: the locks' integrations are set up by then.
        if activation.records():
            entry.async_create_background_task(
                hass, activation.async_run(), f"{DOMAIN} code slots of {entry.title}"
            )

    entry.async_on_unload(async_at_started(hass, catch_up))
