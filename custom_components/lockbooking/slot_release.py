"""Taking slot codes off a lock: one slot, or every code of a lock leaving lockbooking.

A lock taken out of a "Locks in Home Assistant" account, given other slots, or an
account removed: its codes in slots lockbooking no longer manages are cleared first,
since nothing would ever clear them afterwards (a slot lock keeps a code for good).
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .code_record import CodeStatus, Decider
from .const import DOMAIN, LOGGER
from .ledger import CodeLedger
from .locks import lock_id_in, lock_key
from .models import Lock, SlotRange
from .vendors import async_create_vendor
from .vendors.base import LockVendor, VendorError, VendorRejectedError

ISSUE_NOT_CLEARED = "slot_code_not_cleared"


async def async_set_slot(
    vendor: LockVendor, lock: Lock, slot: int, code: str | None
) -> None:
    """Write `code` into a slot, or clear it for None, and check that the lock kept it.

    Read back where the lock allows: a call the lock did not keep is sent again once.
    Raises VendorError when the slot may not hold what it should.
    """
    for _ in range(2):
        if code is None:
            await vendor.async_clear_slot(lock, slot)
        else:
            await vendor.async_write_slot(lock, slot, code)
        if await vendor.async_slot_holds(lock, slot, code) is not False:
            return
    raise VendorRejectedError(
        "The lock kept the code." if code is None else "The lock did not keep the code."
    )


async def async_release_lock(
    ledger: CodeLedger,
    vendor: LockVendor,
    account: str | None,
    lock: Lock,
    keep: SlotRange | None,
) -> None:
    """Clear a lock's codes from the slots outside `keep` (all of them, for None).

    With no slots kept, the lock leaves lockbooking: its codes are revoked too, as the
    host's decision. Raises VendorError when a slot may still hold a code.
    """
    key = lock_key(account, lock.id)
    for listed in [record for record in ledger.records() if record.lock_key == key]:
        async with ledger.working_on(listed.key):
            record = ledger.get(listed.uid, listed.lock_key, listed.scope)
            if record is None:
                continue
            changes: dict[str, object] = {}
            for field in ("on_lock_slot", "stale_slot"):
                slot = getattr(record, field)
                if slot is not None and (keep is None or slot not in keep):
                    await async_set_slot(vendor, lock, slot, None)
                    changes[field] = None
                    if field == "on_lock_slot":
                        changes["on_lock_code"] = None
            if keep is None and record.status is CodeStatus.ISSUED:
                changes.update(status=CodeStatus.REVOKED, decided_by=Decider.HOST)
            if changes:
                await ledger.async_put(record.evolve(**changes))


async def async_release_account(
    hass: HomeAssistant,
    ledger: CodeLedger,
    account: str | None,
    data: dict[str, object],
) -> None:
    """Clear every code a removed account's locks hold; a repair names what stayed.

    Never raises: the account is gone whatever the locks answer.
    """
    if not any(lock_id_in(account, record.lock_key) for record in ledger.records()):
        return
    try:
        vendor = await async_create_vendor(hass, data)
        locks = await vendor.async_get_locks()
    except VendorError as err:
        LOGGER.warning("The removed account's locks could not be read: %s", err.key)
        return
    for lock in locks:
        try:
            await async_release_lock(ledger, vendor, account, lock, None)
        except VendorError as err:
            LOGGER.warning(
                "Codes could not be cleared from %s (%s)", lock.name, err.key
            )
            now = dt_util.as_local(dt_util.utcnow())
            ir.async_create_issue(
                hass,
                DOMAIN,
                f"{ISSUE_NOT_CLEARED}_{account}_{lock.id}",
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_NOT_CLEARED,
                translation_placeholders={
                    "lock": lock.name,
                    "starts": f"{now:%Y-%m-%d %H:%M}",
                },
            )
