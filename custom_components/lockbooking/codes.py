"""Issue and revoke codes on locks, idempotently, with the ledger as the memory.

Services and automatic mode both come here. Everything that can be refused is checked
for every lock before the first vendor call, so bad input never leaves half a request
behind at a vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .ledger import CodeLedger, CodeRecord, CodeStatus, record_key
from .locks import LockTarget
from .models import IssuedCode, PlannedCode, Window
from .planner import PlanRefused, code_problem, plan_code
from .reconcile import async_settle
from .vendors.base import (
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
)


@dataclass(frozen=True, slots=True)
class CodeRequest:
    """A window on the locks for one guest or reservation."""

    uid: str
    name: str
    start: datetime
    end: datetime
    code: str | None = None
    # A code to use on each lock that takes it (the guest's phone digits), random elsewhere.
    preferred_code: str | None = None


@dataclass(slots=True)
class CodeFailure(Exception):
    """A vendor refused or failed on some locks; the others' codes were recorded."""

    failures: list[tuple[LockTarget, VendorError]]
    records: list[CodeRecord] = field(default_factory=list)


def plan_for(
    hass: HomeAssistant, target: LockTarget, request: CodeRequest
) -> PlannedCode:
    """What the lock will accept for the request; raises PlanRefused with the reason."""
    rules = target.lock.code_rules
    if request.code is not None:
        rules = tuple(rule for rule in rules if rule.chosen_code)
        if target.lock.code_rules and not rules:
            raise PlanRefused("code_not_choosable")
    tz = (
        ZoneInfo(target.lock.time_zone)
        if target.lock.time_zone
        else dt_util.get_default_time_zone()
    )
    plan = plan_code(rules, Window(request.start, request.end), tz, dt_util.utcnow())
    if request.code is not None and (problem := code_problem(plan.rules, request.code)):
        raise PlanRefused(problem, {"lengths": "/".join(map(str, plan.rules.lengths))})
    return plan


async def async_issue(
    hass: HomeAssistant,
    ledger: CodeLedger,
    targets: list[LockTarget],
    request: CodeRequest,
) -> list[CodeRecord]:
    """Issue the request's code on every target lock, or return the one already issued."""
    plans: dict[str, tuple[CodeRequest, PlannedCode]] = {}
    for target in targets:
        if not already_issued(ledger.get(request.uid, target.key), request):
            try:
                plans[target.key] = _plan_preferring(hass, ledger, target, request)
            except PlanRefused as err:
                err.placeholders.setdefault("lock", target.lock.name)
                raise
    records: list[CodeRecord] = []
    failures: list[tuple[LockTarget, VendorError]] = []
    for target in targets:
        existing = ledger.get(request.uid, target.key)
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
                plan = _noted(plan_for(hass, target, request), NOTE_PREFERRED_REFUSED)
                records.append(
                    await _async_issue_one(ledger, target, request, plan, existing)
                )
        except VendorError as err:
            failures.append((target, err))
            _reauth_if_refused(target, err)
            records.append(ledger.get(request.uid, target.key))  # type: ignore[arg-type]
    if failures:
        raise CodeFailure(failures, records)
    return records


NOTE_PREFERRED_USED = "The code is the guest's phone number's last digits."
NOTE_PREFERRED_RULES = (
    "Random code: this lock does not take the guest's phone digits as a code "
    "(its codes have another length or other rules)."
)
NOTE_PREFERRED_TAKEN = (
    "Random code: the guest's phone digits are another stay's code on this lock."
)
NOTE_PREFERRED_REFUSED = "Random code: the lock refused the guest's phone digits."


def _plan_preferring(
    hass: HomeAssistant, ledger: CodeLedger, target: LockTarget, request: CodeRequest
) -> tuple[CodeRequest, PlannedCode]:
    """The request to send to one lock and its plan: the preferred code where it fits."""
    preferred = request.preferred_code
    if request.code is not None or preferred is None:
        return request, plan_for(hass, target, request)
    if code_holder(ledger, target.key, preferred, request.uid) is not None:
        return request, _noted(plan_for(hass, target, request), NOTE_PREFERRED_TAKEN)
    chosen = replace(request, code=preferred)
    try:
        return chosen, _noted(plan_for(hass, target, chosen), NOTE_PREFERRED_USED)
    except PlanRefused:
        return request, _noted(plan_for(hass, target, request), NOTE_PREFERRED_RULES)


def _noted(plan: PlannedCode, note: str) -> PlannedCode:
    return replace(plan, notes=(*plan.notes, note))


def code_holder(
    ledger: CodeLedger, lock_key: str, code: str, uid: str
) -> CodeRecord | None:
    """Find another uid's live record holding `code` on the lock: codes are unique per lock."""
    return next(
        (
            record
            for record in ledger.records()
            if record.lock_key == lock_key
            and record.code == code
            and record.uid != uid
            and record.status in (CodeStatus.ISSUED, CodeStatus.PENDING)
        ),
        None,
    )


def _reauth_if_refused(target: LockTarget, err: VendorError) -> None:
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
    async with ledger.working_on(record_key(request.uid, target.key)):
        # Another issue or a reconciliation may have settled the record while we waited.
        existing = ledger.get(request.uid, target.key)
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
    """Record the code pending, ask the vendor for it, record its answer."""
    vendor = target.entry.runtime_data.vendor
    vendor_calls = target.entry.runtime_data.vendor_calls
    if (
        existing is not None
        and existing.status is CodeStatus.ISSUED
        and existing.revocable
    ):
        # The reservation moved: the old window's code goes before the new one comes.
        async with vendor_calls:
            await vendor.async_revoke_code(
                target.lock, issued_code(existing, target.lock.id)
            )
        await ledger.async_put(existing.evolve(status=CodeStatus.REVOKED))
    code = request.code
    if code is None and existing is not None and existing.status is CodeStatus.FAILED:
        # A code sent before with an unknown outcome may be on the lock: same digits.
        code = existing.code if existing.kind == plan.kind.value else None
    # Other stays' codes on the lock, so a computed code (an algoPIN) is not theirs.
    plan = replace(plan, taken=_live_codes(ledger, target.key, request.uid))
    record = await ledger.async_put(
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
        )
    )
    try:
        async with vendor_calls:
            issued = await vendor.async_issue_code(
                target.lock, plan, request.name, code
            )
    except VendorError as err:
        unknown = _outcome_unknown(err)
        await ledger.async_put(
            record.evolve(
                status=CodeStatus.FAILED,
                error=err.key,
                uncertain=unknown,
                code=err.sent_code if unknown else None,
            )
        )
        raise
    return await ledger.async_put(
        record.evolve(
            status=CodeStatus.ISSUED,
            kind=issued.kind.value,
            code=issued.code,
            vendor_id=issued.vendor_id,
            starts=issued.window.start.isoformat(),
            ends=issued.window.end.isoformat(),
            revocable=issued.revocable,
            notes=issued.notes,
            error=None,
        )
    )


def _live_codes(ledger: CodeLedger, lock_key: str, uid: str) -> frozenset[str]:
    """Collect the codes other uids' live records hold on the lock."""
    return frozenset(
        record.code
        for record in ledger.records()
        if record.lock_key == lock_key
        and record.uid != uid
        and record.code is not None
        and record.status in (CodeStatus.ISSUED, CodeStatus.PENDING)
    )


def _outcome_unknown(err: VendorError) -> bool:
    """Whether the vendor may have created the code although the call failed."""
    if isinstance(err, VendorUnavailableError):
        return not err.unprocessed
    return type(err) is VendorError  # an unreadable answer to a request that went out


def issued_code(record: CodeRecord, lock_id: str) -> IssuedCode:
    """The vendor's view of a recorded code."""
    return IssuedCode(
        lock_id=lock_id,
        kind=record.kind,  # type: ignore[arg-type]
        code=record.code or "",
        window=record.window,
        vendor_id=record.vendor_id,
        revocable=record.revocable,
    )


async def async_revoke(
    ledger: CodeLedger,
    targets: list[LockTarget],
    *,
    uid: str | None = None,
    code: str | None = None,
) -> list[CodeRecord]:
    """Revoke the matching issued codes; refuses (PlanRefused) before any vendor call."""
    by_key = {target.key: target for target in targets}
    found = [
        record
        for record in ledger.records(uid)
        if record.lock_key in by_key
        and record.status is CodeStatus.ISSUED
        and (code is None or record.code == code)
    ]
    if not found:
        raise PlanRefused("code_not_found")
    if stuck := [record for record in found if not record.revocable]:
        raise PlanRefused(
            "code_not_revocable",
            {"lock": stuck[0].lock_name, "ends": stuck[0].ends or ""},
        )
    revoked: list[CodeRecord] = []
    failures: list[tuple[LockTarget, VendorError]] = []
    for listed in found:
        target = by_key[listed.lock_key]
        async with ledger.working_on(listed.key):
            # An issue may have revoked or replaced the code while we waited: the
            # current one is what to revoke (a moved stay's new code is still its uid's).
            record = ledger.get(listed.uid, listed.lock_key)
            if (
                record is None
                or record.status is not CodeStatus.ISSUED
                or (code is not None and record.code != code)
            ):
                continue
            try:
                async with target.entry.runtime_data.vendor_calls:
                    await target.entry.runtime_data.vendor.async_revoke_code(
                        target.lock, issued_code(record, target.lock.id)
                    )
            except VendorError as err:
                failures.append((target, err))
                _reauth_if_refused(target, err)
                continue
            revoked.append(
                await ledger.async_put(record.evolve(status=CodeStatus.REVOKED))
            )
    if failures:
        raise CodeFailure(failures, revoked)
    return revoked
