"""What each lock is asked for: the request, its plan, and the code it carries.

A request's window becomes each lock's plan (`planner.py`); the guest's phone digits
are used where the lock takes them and no other stay holds them; a computed code is
kept clear of the codes other stays hold live on the lock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .code_record import CodeRecord, CodeStatus, Decider, record_key
from .ledger import CodeLedger
from .locks import LockTarget
from .models import PlannedCode, Window
from .planner import PlanRefused, code_problem, plan_code


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
    # The reservations entry whose stay this is ("" for none), who asks, and the stay's
    # own check-in and check-out (without the entry's margins).
    scope: str = ""
    decided_by: Decider = Decider.AUTOMATIC
    stay: Window | None = None


def plan_for(
    hass: HomeAssistant, target: LockTarget, request: CodeRequest
) -> PlannedCode:
    """Plan what the lock will accept for the request; raise PlanRefused with the reason."""
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


NOTE_PREFERRED_USED = "The code is the guest's phone number's last digits."
NOTE_PREFERRED_RULES = (
    "Random code: this lock does not take the guest's phone digits as a code "
    "(its codes have another length or other rules)."
)
NOTE_PREFERRED_TAKEN = (
    "Random code: the guest's phone digits are another stay's code on this lock."
)
NOTE_PREFERRED_REFUSED = "Random code: the lock refused the guest's phone digits."


def plan_preferring(
    hass: HomeAssistant, ledger: CodeLedger, target: LockTarget, request: CodeRequest
) -> tuple[CodeRequest, PlannedCode]:
    """Pick the request to send to one lock, and its plan: the preferred code if it fits."""
    preferred = request.preferred_code
    if request.code is not None or preferred is None:
        return request, plan_for(hass, target, request)
    if code_holder(ledger, target.key, preferred, request) is not None:
        return request, noted(plan_for(hass, target, request), NOTE_PREFERRED_TAKEN)
    chosen = replace(request, code=preferred)
    try:
        return chosen, noted(plan_for(hass, target, chosen), NOTE_PREFERRED_USED)
    except PlanRefused:
        return request, noted(plan_for(hass, target, request), NOTE_PREFERRED_RULES)


def noted(plan: PlannedCode, note: str) -> PlannedCode:
    """Add a note the host reads with the code (in `get_codes` and the events)."""
    return replace(plan, notes=(*plan.notes, note))


def code_holder(
    ledger: CodeLedger, lock_key: str, code: str, request: CodeRequest
) -> CodeRecord | None:
    """Find another record's live code `code` on the lock: codes are unique per lock."""
    own = record_key(request.uid, lock_key, request.scope)
    return next(
        (
            record
            for record in ledger.records()
            if record.lock_key == lock_key
            and record.key != own
            and (
                (record.code == code and record.status in _HOLDING)
                or (record.superseded is not None and record.superseded.code == code)
            )
        ),
        None,
    )


_HOLDING = (CodeStatus.ISSUED, CodeStatus.PENDING)


def live_codes(
    ledger: CodeLedger, lock_key: str, request: CodeRequest
) -> frozenset[str]:
    """Collect the codes other records hold live on the lock (replaced ones too)."""
    own = record_key(request.uid, lock_key, request.scope)
    codes: set[str] = set()
    for record in ledger.records():
        if record.lock_key != lock_key or record.key == own:
            continue
        if record.code is not None and record.status in _HOLDING:
            codes.add(record.code)
        if record.superseded is not None and record.superseded.code:
            codes.add(record.superseded.code)
    return frozenset(codes)
