"""Issue and revoke codes on locks, idempotently, with the ledger as the memory.

Services and automatic mode both come here. Everything that can be refused is checked
for every lock before the first vendor call, so bad input never leaves half a request
behind at a vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from homeassistant.core import HomeAssistant

from .code_choice import (
    CodeRequest,
    live_codes,
    noted,
    plan_for,
    plan_preferring,
    refused_note,
)
from .code_record import CodeRecord, CodeStatus, SupersededCode, record_key
from .ledger import CodeLedger
from .locks import LockTarget
from .models import CodeKind, IssuedCode, PlannedCode
from .planner import PlanRefused, generate_code
from .reconcile import async_settle
from .slot_choice import check_slot, request_slot
from .superseded import async_revoke_superseded
from .vendors.base import (
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)


@dataclass(slots=True)
class CodeFailure(Exception):
    """A vendor refused or failed on some locks; the others' codes were recorded."""

    failures: list[tuple[LockTarget, VendorError]]
    records: list[CodeRecord] = field(default_factory=list)


async def async_issue(
    hass: HomeAssistant,
    ledger: CodeLedger,
    targets: list[LockTarget],
    request: CodeRequest,
) -> list[CodeRecord]:
    """Issue the request's code on every target lock, or return the one already issued."""
    plans: dict[str, tuple[CodeRequest, PlannedCode]] = {}
    for target in targets:
        if not already_issued(
            ledger.get(request.uid, target.key, request.scope), request
        ):
            try:
                plans[target.key] = plan_preferring(hass, ledger, target, request)
                if target.lock.slots is not None:
                    check_slot(ledger, target, *plans[target.key])
            except PlanRefused as err:
                err.placeholders.setdefault("lock", target.lock.name)
                raise
    records: list[CodeRecord] = []
    failures: list[tuple[LockTarget, VendorError]] = []
    for target in targets:
        existing = ledger.get(request.uid, target.key, request.scope)
        if target.key not in plans and existing is not None:
            records.append(existing)
            continue
        sent, plan = plans[target.key]
        try:
            try:
                records.append(
                    await _async_issue_one(ledger, target, sent, plan, existing)
                )
            except VendorRejectedError:
                if sent.code is None or request.code is not None:
                    raise
                # The lock refused the preferred code (a UniFi site's PIN length is
                # only known to its controller): a random one instead, said so.
                plan = noted(plan_for(hass, target, request), refused_note(request))
                records.append(
                    await _async_issue_one(ledger, target, request, plan, existing)
                )
        except VendorError as err:
            failures.append((target, err))
            reauth_if_refused(target, err)
            if (
                failed := ledger.get(request.uid, target.key, request.scope)
            ) is not None:
                records.append(failed)
    if failures:
        raise CodeFailure(failures, records)
    return records


def reauth_if_refused(target: LockTarget, err: VendorError) -> None:
    """Start the account's re-authentication when the vendor refused its credentials."""
    if isinstance(err, VendorAuthError):
        target.entry.async_start_reauth(target.entry.runtime_data.coordinator.hass)


def already_issued(record: CodeRecord | None, request: CodeRequest) -> bool:
    """Whether the record already serves this request (so no vendor call is needed)."""
    return (
        record is not None
        and record.status is CodeStatus.ISSUED
        and record.requested(request.start, request.end)
        and request.code in (None, record.code)
    )


async def _async_issue_one(
    ledger: CodeLedger,
    target: LockTarget,
    request: CodeRequest,
    plan: PlannedCode,
    existing: CodeRecord | None,
) -> CodeRecord:
    """Issue on one lock, one piece of work per uid and lock at a time."""
    async with ledger.working_on(record_key(request.uid, target.key, request.scope)):
        # Another issue or a reconciliation may have settled the record while we waited.
        existing = ledger.get(request.uid, target.key, request.scope)
        if existing is None and ledger.recovering:
            # The ledger was lost: the vendor may hold this very code from before.
            existing = await ledger.async_put(
                _new_record(target, request, plan, None, None)
            )
        if existing is not None and (
            existing.status is CodeStatus.PENDING or existing.uncertain
        ):
            # Left by an interrupted or timed-out issue: the vendor may hold it already.
            async with target.entry.runtime_data.vendor_calls:
                existing = await async_settle(
                    ledger, target.entry.runtime_data.vendor, target.lock, existing
                )
        if existing is not None and already_issued(existing, request):
            return existing
        return await _async_send(ledger, target, request, plan, existing)


async def _async_send(
    ledger: CodeLedger,
    target: LockTarget,
    request: CodeRequest,
    plan: PlannedCode,
    existing: CodeRecord | None,
) -> CodeRecord:
    """Make the request's code, then break the one it replaces (make before break)."""
    if target.lock.slots is not None:
        return await _async_schedule_in_slot(ledger, target, request, plan, existing)
    if existing is not None and existing.superseded is not None:
        # A code replaced earlier is still live: it goes before another replacement.
        existing = await async_revoke_superseded(ledger, target, existing)
    replacing = (
        existing
        if existing is not None and existing.status is CodeStatus.ISSUED
        else None
    )
    if replacing is not None and _movable(target, replacing, request, plan):
        try:
            return await _async_move_window(ledger, target, request, plan, replacing)
        except (VendorRejectedError, VendorUnsupportedError):
            pass  # the lock cannot move this code (gone, say): a new one comes
    superseded = (
        SupersededCode.of(replacing)
        if replacing is not None and replacing.revocable
        else None
    )
    code = request.code
    if code is None and existing is not None and existing.status is CodeStatus.FAILED:
        # A code sent before with an unknown outcome may be on the lock: same digits.
        code = existing.code if existing.kind == plan.kind.value else None
    # Other records' codes on the lock, so a computed code (an algoPIN) is not theirs.
    plan = replace(plan, taken=live_codes(ledger, target.key, request))
    record = await ledger.async_put(
        _new_record(target, request, plan, existing, superseded, code)
    )
    try:
        async with target.entry.runtime_data.vendor_calls:
            issued = await target.entry.runtime_data.vendor.async_issue_code(
                target.lock, plan, request.name, code
            )
    except VendorError as err:
        uncertain = _outcome_unknown(err)
        if replacing is not None and not uncertain:
            # Nothing new was made: the code the guest holds stays, as it was.
            await ledger.async_put(replacing.evolve(error=err.key))
        else:
            # Digits kept only when the vendor may hold them: a retry sends the same.
            await ledger.async_put(
                record.evolve(
                    status=CodeStatus.FAILED,
                    error=err.key,
                    uncertain=uncertain,
                    code=err.sent_code if uncertain else None,
                )
            )
        raise
    record = await ledger.async_put(
        record.evolve(
            status=CodeStatus.ISSUED,
            kind=issued.kind.value,
            code=issued.code,
            vendor_id=issued.vendor_id,
            starts=issued.window.start.isoformat(),
            ends=issued.window.end.isoformat(),
            revocable=issued.revocable,
            notes=issued.notes,
            use_by=_iso(issued.use_by),
            error=None,
        )
    )
    if record.superseded is not None:
        record = await async_revoke_superseded(ledger, target, record, strict=False)
    return record


async def _async_schedule_in_slot(
    ledger: CodeLedger,
    target: LockTarget,
    request: CodeRequest,
    plan: PlannedCode,
    existing: CodeRecord | None,
) -> CodeRecord:
    """Keep a slot of a lock with no windows for the code; it is written when due.

    Nothing goes to the lock before the window opens (activation.py): a new window
    for the same stay keeps the guest's digits, and its slot when that is free.
    """
    holding = existing if existing is not None and existing.live else None
    code = request.code
    if code is None and holding is not None and holding.status is CodeStatus.ISSUED:
        code = holding.code
    if code is None:
        code = generate_code(plan.rules, live_codes(ledger, target.key, request))
    record = _new_record(target, request, plan, existing, None, code).evolve(
        status=CodeStatus.ISSUED,
        slot=request_slot(ledger, target, request, plan),
        use_by=None,
        # What is on the lock now stays known, so it is replaced or cleared.
        on_lock_slot=existing.on_lock_slot if existing is not None else None,
        on_lock_code=existing.on_lock_code if existing is not None else None,
        stale_slot=existing.stale_slot if existing is not None else None,
    )
    record = await ledger.async_put(record)
    activation = target.entry.runtime_data.activation
    assert activation is not None
    return await activation.async_apply(record)


def _new_record(
    target: LockTarget,
    request: CodeRequest,
    plan: PlannedCode,
    existing: CodeRecord | None,
    superseded: SupersededCode | None,
    code: str | None = None,
) -> CodeRecord:
    """Describe the code about to be asked for, before the vendor call (`pending`)."""
    return _decided(
        CodeRecord(
            uid=request.uid,
            lock_key=target.key,
            lock_name=target.lock.name,
            name=request.name,
            requested_start=request.start.isoformat(),
            requested_end=request.end.isoformat(),
            status=CodeStatus.PENDING,
            kind=plan.kind.value,
            starts=plan.window.start.isoformat(),
            ends=plan.window.end.isoformat(),
            revocable=plan.rules.revocable,
            notes=plan.notes,
            code=code,
            # A stay that moved after the guest arrived stays arrived.
            used_at=existing.used_at if existing is not None else None,
            scope=request.scope,
            superseded=superseded,
            # What the rules promise, until the vendor says (an interrupted issue
            # found at the vendor keeps it).
            use_by=_iso(plan.rules.use_by(plan.window.start)),
        ),
        request,
    )


def _decided(record: CodeRecord, request: CodeRequest) -> CodeRecord:
    """Stamp a record with who decided it and for which stay dates."""
    stay = request.stay
    return record.evolve(
        decided_by=request.decided_by,
        stay_start=stay.start.isoformat() if stay else None,
        stay_end=stay.end.isoformat() if stay else None,
    )


def _movable(
    target: LockTarget, record: CodeRecord, request: CodeRequest, plan: PlannedCode
) -> bool:
    """Tell whether the vendor can give the record's code the new window in place."""
    return (
        target.entry.runtime_data.vendor.updates_window_in_place
        and record.vendor_id is not None
        and record.kind == plan.kind.value
        and request.code in (None, record.code)
    )


async def _async_move_window(
    ledger: CodeLedger,
    target: LockTarget,
    request: CodeRequest,
    plan: PlannedCode,
    record: CodeRecord,
) -> CodeRecord:
    """Move an issued code's window at the vendor: the guest keeps the same digits.

    The record changes only once the vendor answered: until then it tells the code as
    the lock has it, and a retry asks for the same move again.
    """
    try:
        async with target.entry.runtime_data.vendor_calls:
            issued = await target.entry.runtime_data.vendor.async_update_code_window(
                target.lock, issued_code(record, target.lock.id), plan
            )
    except VendorError as err:
        await ledger.async_put(record.evolve(error=err.key))
        raise
    return await ledger.async_put(
        _decided(
            record.evolve(
                name=request.name,
                requested_start=request.start.isoformat(),
                requested_end=request.end.isoformat(),
                starts=issued.window.start.isoformat(),
                ends=issued.window.end.isoformat(),
                notes=issued.notes,
                use_by=_iso(issued.use_by),
                error=None,
            ),
            request,
        )
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _outcome_unknown(err: VendorError) -> bool:
    """Whether the vendor may have created the code although the call failed."""
    if isinstance(err, VendorUnavailableError):
        return not err.unprocessed
    return type(err) is VendorError  # an unreadable answer to a request that went out


def issued_code(record: CodeRecord, lock_id: str) -> IssuedCode:
    """Rebuild the vendor's view of a recorded code.

    The ledger keeps the kind as text, and vendors compare it with CodeKind members by
    identity, which text never is. Raises VendorUnsupportedError for a kind this release
    does not know (every record it writes has one it knows).
    """
    if record.kind is None or record.kind not in CodeKind:
        raise VendorUnsupportedError(f"a code of unknown kind {record.kind}")
    return IssuedCode(
        lock_id=lock_id,
        kind=CodeKind(record.kind),
        code=record.code or "",
        window=record.window,
        vendor_id=record.vendor_id,
        revocable=record.revocable,
        use_by=datetime.fromisoformat(record.use_by) if record.use_by else None,
    )
