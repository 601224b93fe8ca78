"""What each lock is asked for: the request, its plan, and the code it carries.

A request's window becomes each lock's plan (`planner.py`); the guest's phone digits
are used where the lock takes them and no other stay holds them; a computed code is
kept clear of the codes other stays hold live on the lock. With "the same code
everywhere", one code for all of a stay's locks that take a chosen code is picked
(`common_code.py`) and used like the phone digits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .code_record import CodeRecord, CodeStatus, Decider, record_key
from .common_code import LockCodes, common_code
from .ledger import CodeLedger
from .locks import LockTarget
from .models import CodeRules, PlannedCode, Window
from .planner import PlanRefused, code_problem, plan_code


@dataclass(frozen=True, slots=True)
class CodeRequest:
    """A window on the locks for one guest or reservation."""

    uid: str
    name: str
    start: datetime
    end: datetime
    code: str | None = None
    # A code to use on each lock that takes it (the guest's phone digits, or the stay's
    # common code when `same_code`), random elsewhere.
    preferred_code: str | None = None
    # The reservations entry whose stay this is ("" for none), who asks, and the stay's
    # own check-in and check-out (without the entry's margins).
    scope: str = ""
    decided_by: Decider = Decider.AUTOMATIC
    stay: Window | None = None
    # `preferred_code` is the one code of all the stay's locks that take a chosen code.
    same_code: bool = False


def plan_for(
    hass: HomeAssistant, target: LockTarget, request: CodeRequest
) -> PlannedCode:
    """Plan what the lock will accept for the request; raise PlanRefused with the reason."""
    rules = target.lock.code_rules
    if request.code is not None:
        rules = tuple(rule for rule in rules if rule.chosen_code)
        if target.lock.code_rules and not rules:
            raise PlanRefused("code_not_choosable")
    plan = plan_code(
        rules, Window(request.start, request.end), _lock_tz(target), dt_util.utcnow()
    )
    if request.code is not None and (problem := code_problem(plan.rules, request.code)):
        raise PlanRefused(problem, {"lengths": "/".join(map(str, plan.rules.lengths))})
    return plan


def _lock_tz(target: LockTarget) -> tzinfo:
    """Give the lock's own clock, or Home Assistant's for a lock that does not say."""
    if target.lock.time_zone:
        return ZoneInfo(target.lock.time_zone)
    return dt_util.get_default_time_zone()


def chosen_rules(target: LockTarget, request: CodeRequest) -> tuple[CodeRules, ...]:
    """Give the rules a chosen code for the request would follow on the lock.

    The one rule `plan_for` would plan with a chosen code; none for a lock that takes
    no chosen code (an algoPIN padlock) or none for this window.
    """
    rules = tuple(rule for rule in target.lock.code_rules if rule.chosen_code)
    if not rules:
        return ()
    window = Window(request.start, request.end)
    try:
        return (plan_code(rules, window, _lock_tz(target), dt_util.utcnow()).rules,)
    except PlanRefused:
        return ()


def with_common_code(
    ledger: CodeLedger, targets: list[LockTarget], request: CodeRequest
) -> CodeRequest:
    """Give the request the stay's one code for all its locks that take a chosen code.

    A code the stay already holds on one of them, if the others take it too, comes
    first (a guest's code never changes on a re-run or after a restart); then the
    request's preferred code (the phone digits); then a random one. The request is
    unchanged for a single lock, or when the locks share no code.
    """
    if len(targets) < 2:
        return request
    locks: list[LockCodes] = []
    held: Counter[str] = Counter()
    for target in targets:
        rules = chosen_rules(target, request)
        locks.append(LockCodes(rules, live_codes(ledger, target.key, request)))
        record = ledger.get(request.uid, target.key, request.scope)
        if rules and record is not None and _holds(record):
            held[record.code or ""] += 1
    candidates = [code for code, _ in held.most_common() if code]
    if request.preferred_code is not None:
        candidates.append(request.preferred_code)
    code = common_code(locks, candidates)
    if code is None:
        return request
    return replace(request, preferred_code=code, same_code=True)


def _holds(record: CodeRecord) -> bool:
    """Tell whether a record's code may be on its lock (an unknown outcome may be)."""
    return record.code is not None and (
        record.status in _HOLDING
        or (record.status is CodeStatus.FAILED and record.uncertain)
    )


NOTE_PREFERRED_USED = "The code is the guest's phone number's last digits."
NOTE_PREFERRED_RULES = (
    "Random code: this lock does not take the guest's phone digits as a code "
    "(its codes have another length or other rules)."
)
NOTE_PREFERRED_TAKEN = (
    "Random code: the guest's phone digits are another stay's code on this lock."
)
NOTE_PREFERRED_REFUSED = "Random code: the lock refused the guest's phone digits."
NOTE_SAME_CODE_USED = "The stay's one code for every lock that takes a chosen code."
NOTE_SAME_CODE_OWN = "This lock computes its own codes (algoPIN): its code differs."
NOTE_SAME_CODE_RULES = (
    "Random code: this lock does not take the code the stay's other locks have "
    "(its codes have another length or other rules)."
)
NOTE_SAME_CODE_TAKEN = (
    "Random code: the code the stay's other locks have is another stay's code on "
    "this lock."
)
NOTE_SAME_CODE_REFUSED = (
    "Random code: the lock refused the code the stay's other locks have."
)


class _Notes(NamedTuple):
    """What a code's notes say about the preferred code: used, or why not."""

    used: str
    taken: str
    rules: str
    # The lock takes no chosen code at all.
    own: str
    refused: str


_PHONE_NOTES = _Notes(
    NOTE_PREFERRED_USED,
    NOTE_PREFERRED_TAKEN,
    NOTE_PREFERRED_RULES,
    NOTE_PREFERRED_RULES,
    NOTE_PREFERRED_REFUSED,
)
_SAME_CODE_NOTES = _Notes(
    NOTE_SAME_CODE_USED,
    NOTE_SAME_CODE_TAKEN,
    NOTE_SAME_CODE_RULES,
    NOTE_SAME_CODE_OWN,
    NOTE_SAME_CODE_REFUSED,
)


def refused_note(request: CodeRequest) -> str:
    """Say why a lock that refused the request's preferred code got a random one."""
    return (_SAME_CODE_NOTES if request.same_code else _PHONE_NOTES).refused


def plan_preferring(
    hass: HomeAssistant, ledger: CodeLedger, target: LockTarget, request: CodeRequest
) -> tuple[CodeRequest, PlannedCode]:
    """Pick the request to send to one lock, and its plan: the preferred code if it fits."""
    preferred = request.preferred_code
    if request.code is not None or preferred is None:
        return request, plan_for(hass, target, request)
    notes = _SAME_CODE_NOTES if request.same_code else _PHONE_NOTES
    if code_holder(ledger, target.key, preferred, request) is not None:
        return request, noted(plan_for(hass, target, request), notes.taken)
    chosen = replace(request, code=preferred)
    try:
        return chosen, noted(plan_for(hass, target, chosen), notes.used)
    except PlanRefused as err:
        note = notes.own if err.key == "code_not_choosable" else notes.rules
        return request, noted(plan_for(hass, target, request), note)


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
