"""Crash safety: settle the codes an interrupted issue left `pending` in the ledger.

An issue writes its record `pending` before the vendor call and `issued` / `failed`
after it. If Home Assistant stops in between, the record stays `pending` and only the
vendor knows whether it got the code. So the vendor is asked, on the account's set-up,
after each of its refreshes while such records remain, and before the same uid is
issued again on the same lock:

- the code is there with its digits (Nuki, demo): the record becomes `issued`;
- it is there without them (UniFi Access keeps only PIN hashes): the vendor's copy is
  deleted and the record becomes `failed`, so the code is issued again;
- it is not there, or the vendor cannot tell (igloohome, where an algoPIN issued again
  is the same PIN): the record becomes `failed`, and automatic mode or the next
  service call with the same uid issues it again.

A vendor that cannot be asked now leaves the record `pending` for the next try.
"""

from __future__ import annotations

import asyncio

from homeassistant.core import HomeAssistant, callback

from .code_record import CodeRecord, CodeStatus
from .const import DOMAIN, LOGGER
from .coordinator import LockbookingConfigEntry
from .ledger import CodeLedger
from .locks import LockTarget, lock_id_in
from .models import CodeKind, IssuedCode, Lock, Window
from .superseded import async_revoke_superseded
from .vendors.base import FoundCode, LockVendor, VendorError

# The error key of a record whose issue was interrupted and must be made again.
INTERRUPTED = "interrupted"


async def async_settle(
    ledger: CodeLedger, vendor: LockVendor, lock: Lock, record: CodeRecord
) -> CodeRecord:
    """Ask the vendor what became of a pending record's code and record the answer.

    Raises VendorError when the vendor cannot be asked now; the record stays pending.
    """
    planned = _planned(record)
    found = None
    if planned is not None:
        window, kind = planned
        found = await vendor.async_find_codes(lock, record.name, window, kind)
    ours = _unclaimed(ledger, record, found or [])
    if readable := [code for code in ours if code.code]:
        LOGGER.info(
            "An interrupted code on %s was found at the vendor: kept", lock.name
        )
        return await ledger.async_put(
            record.evolve(
                status=CodeStatus.ISSUED,
                code=readable[0].code,
                vendor_id=readable[0].vendor_id,
                error=None,
                uncertain=False,
                announced=False,
            )
        )
    if planned is not None:
        window, kind = planned
        for code in ours:
            # Its digits are lost: the vendor's copy goes, a new code comes.
            await vendor.async_revoke_code(lock, _unreadable(lock, kind, window, code))
        if ours:
            LOGGER.info(
                "An interrupted code on %s was deleted at the vendor; it is issued again",
                lock.name,
            )
    return await ledger.async_put(
        record.evolve(status=CodeStatus.FAILED, error=INTERRUPTED, uncertain=False)
    )


def _planned(record: CodeRecord) -> tuple[Window, CodeKind] | None:
    """Read the window and kind the vendor was asked for (None if the record lacks them)."""
    if record.kind is None:
        return None
    try:
        return record.window, CodeKind(record.kind)
    except (TypeError, ValueError):
        return None


def _unclaimed(
    ledger: CodeLedger, record: CodeRecord, found: list[FoundCode]
) -> list[FoundCode]:
    """Drop the found codes another record on the lock already owns."""
    claimed = {
        other.vendor_id
        for other in ledger.records()
        if other.lock_key == record.lock_key
        and other.status is CodeStatus.ISSUED
        and other.vendor_id is not None
    }
    return [code for code in found if code.vendor_id not in claimed]


def _unreadable(
    lock: Lock, kind: CodeKind, window: Window, found: FoundCode
) -> IssuedCode:
    """Describe a found code without digits the way revoking needs it."""
    return IssuedCode(
        lock_id=lock.id, kind=kind, code="", window=window, vendor_id=found.vendor_id
    )


async def async_setup_reconcile(
    hass: HomeAssistant, entry: LockbookingConfigEntry, ledger: CodeLedger
) -> None:
    """Settle the account's interrupted codes now, and after refreshes until none is left.

    Never raises: set-up goes on whatever the vendor answers.
    """
    reconciler = _Reconciler(hass, entry, ledger)
    await reconciler.async_run()
    entry.async_on_unload(
        entry.runtime_data.coordinator.async_add_listener(reconciler.after_refresh)
    )


class _Reconciler:
    """Settles one account's left-behind `pending` records, one run at a time."""

    def __init__(
        self, hass: HomeAssistant, entry: LockbookingConfigEntry, ledger: CodeLedger
    ) -> None:
        """Work on the account's locks in the shared ledger."""
        self.hass = hass
        self.entry = entry
        self.ledger = ledger
        self._retry: asyncio.Task[None] | None = None

    @callback
    def left_behind(self) -> list[tuple[CodeRecord, Lock]]:
        """List the account's pending records no issue is working on, with their locks."""
        locks = self.entry.runtime_data.coordinator.data or {}
        return [
            (record, locks[lock_id])
            for record in self.ledger.records()
            if record.status is CodeStatus.PENDING
            and not self.ledger.busy(record.key)
            and (lock_id := lock_id_in(self.entry.unique_id, record.lock_key)) in locks
        ]

    @callback
    def superseded(self) -> list[tuple[CodeRecord, Lock]]:
        """List the account's records still holding an old code a new window replaced."""
        locks = self.entry.runtime_data.coordinator.data or {}
        return [
            (record, locks[lock_id])
            for record in self.ledger.records()
            if record.superseded is not None
            and record.status is CodeStatus.ISSUED
            and not self.ledger.busy(record.key)
            and (lock_id := lock_id_in(self.entry.unique_id, record.lock_key)) in locks
        ]

    @callback
    def after_refresh(self) -> None:
        """Try again after a good refresh if records are still pending."""
        if (
            (self._retry is None or self._retry.done())
            and self.entry.runtime_data.coordinator.last_update_success
            and (self.left_behind() or self.superseded())
        ):
            self._retry = self.entry.async_create_background_task(
                self.hass, self.async_run(), f"{DOMAIN} reconcile {self.entry.title}"
            )

    async def async_run(self) -> None:
        """Settle every left-behind record, then revoke replaced codes; stop at a failure."""
        for record, lock in self.left_behind():
            if not await self._async_settle_one(record, lock):
                return
        for record, lock in self.superseded():
            if not await self._async_break_one(record, lock):
                return

    async def _async_break_one(self, record: CodeRecord, lock: Lock) -> bool:
        """Revoke a record's replaced code; False if the vendor failed."""
        async with self.ledger.working_on(record.key):
            current = self.ledger.get(record.uid, record.lock_key, record.scope)
            if current is None or current.superseded is None:
                return True
            target = LockTarget(self.entry, lock, None, None)
            if (
                await async_revoke_superseded(
                    self.ledger, target, current, strict=False
                )
            ).superseded is not None:
                return False
        return True

    async def _async_settle_one(self, record: CodeRecord, lock: Lock) -> bool:
        """Settle one record unless an issue took it meanwhile; False if the vendor failed."""
        if (
            self.ledger.busy(record.key)
            or self.ledger.get(record.uid, record.lock_key, record.scope) != record
        ):
            return True  # an issue of the same uid on the lock has taken it over
        async with self.ledger.working_on(record.key):
            try:
                await async_settle(
                    self.ledger, self.entry.runtime_data.vendor, lock, record
                )
            except VendorError as err:
                LOGGER.warning(
                    "%s: could not check an interrupted code on %s with the vendor (%s); "
                    "it stays pending and is checked again after the next refresh",
                    self.entry.title,
                    lock.name,
                    err.key,
                )
                return False
        return True
