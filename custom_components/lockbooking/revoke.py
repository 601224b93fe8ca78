"""Revoke codes: a record's live code and the older one its new window replaced.

Everything that can be refused is checked for every lock before the first vendor
call; a code whose issue had an unknown outcome is looked for at the vendor first.
"""

from __future__ import annotations

from .code_record import CodeRecord, CodeStatus, Decider
from .codes import CodeFailure, issued_code, reauth_if_refused
from .ledger import CodeLedger
from .locks import LockTarget
from .planner import PlanRefused
from .reconcile import async_settle
from .superseded import async_revoke_superseded
from .vendors.base import VendorError


async def async_revoke(
    ledger: CodeLedger,
    targets: list[LockTarget],
    *,
    uid: str | None = None,
    code: str | None = None,
    scope: str | None = None,
    decided_by: Decider = Decider.AUTOMATIC,
) -> list[CodeRecord]:
    """Revoke the matching live codes; refuses (PlanRefused) before any vendor call.

    A record's code and the older code its new window replaced both go; a code whose
    issue had an unknown outcome is looked for at the vendor first.
    """
    by_key = {target.key: target for target in targets}
    found = [
        record
        for record in ledger.records(uid, scope)
        if record.lock_key in by_key and _revocable_match(record, code)
    ]
    if not found:
        raise PlanRefused("code_not_found")
    if stuck := [
        record
        for record in found
        if not record.revocable and record.status is CodeStatus.ISSUED
    ]:
        raise PlanRefused(
            "code_not_revocable",
            {"lock": stuck[0].lock_name, "ends": stuck[0].ends or ""},
        )
    revoked: list[CodeRecord] = []
    failures: list[tuple[LockTarget, VendorError]] = []
    for listed in found:
        target = by_key[listed.lock_key]
        async with ledger.working_on(listed.key):
            try:
                if (
                    record := await _async_revoke_one(
                        ledger, target, listed, code, decided_by
                    )
                ) is not None:
                    revoked.append(record)
            except VendorError as err:
                failures.append((target, err))
                reauth_if_refused(target, err)
    if failures:
        raise CodeFailure(failures, revoked)
    return revoked


def _revocable_match(record: CodeRecord, code: str | None) -> bool:
    """Tell whether a record may hold a live code (matching `code`, if given)."""
    codes = {record.code, record.superseded.code if record.superseded else None}
    live = (
        record.status is CodeStatus.ISSUED
        or record.superseded is not None
        or (record.status is CodeStatus.FAILED and record.uncertain)
        or record.on_lock_slot is not None
        or record.stale_slot is not None
    )
    return live and (code is None or code in codes)


async def _async_revoke_one(
    ledger: CodeLedger,
    target: LockTarget,
    listed: CodeRecord,
    code: str | None,
    decided_by: Decider,
) -> CodeRecord | None:
    """Revoke one record's live codes; None if another task settled it meanwhile."""
    # An issue may have revoked or replaced the code while we waited: the current
    # one is what to revoke (a moved stay's new code is still its uid's).
    record = ledger.get(listed.uid, listed.lock_key, listed.scope)
    if record is None or not _revocable_match(record, code):
        return None
    if record.slot is not None or record.on_lock_slot is not None:
        # A slot lock's code: revoked now, and cleared from its slot if it is there.
        record = await ledger.async_put(
            record.evolve(status=CodeStatus.REVOKED, decided_by=decided_by)
        )
        activation = target.entry.runtime_data.activation
        assert activation is not None
        return await activation.async_apply(record)
    if record.status is not CodeStatus.ISSUED and record.uncertain:
        async with target.entry.runtime_data.vendor_calls:
            record = await async_settle(
                ledger, target.entry.runtime_data.vendor, target.lock, record
            )
    record = await async_revoke_superseded(ledger, target, record)
    if record.status is CodeStatus.ISSUED:
        if not record.revocable:
            return None  # it lives until its window ends; said before any call
        async with target.entry.runtime_data.vendor_calls:
            await target.entry.runtime_data.vendor.async_revoke_code(
                target.lock, issued_code(record, target.lock.id)
            )
    # Also an uncertain issue the vendor turned out not to hold: nothing of it lives.
    return await ledger.async_put(
        record.evolve(status=CodeStatus.REVOKED, decided_by=decided_by, uncertain=False)
    )
