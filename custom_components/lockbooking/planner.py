"""Turn a requested window into the window and code a lock will accept.

Pure Python: the rules of a lock come in as data (`CodeRules`), a refusal goes out as
`PlanRefused` with a translation key, and nothing here talks to a vendor or to Home
Assistant. Windows are rounded on the lock's own clock, outwards, so a guest never gets
less time than the booking says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
import math
import secrets

from .models import CodeRules, PlannedCode, Window

DAY = timedelta(days=1)


@dataclass(slots=True)
class PlanRefused(Exception):
    """The lock cannot take a code for this request; `key` names the translated reason."""

    key: str
    placeholders: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        """Name the reason by its translation key, as a log line can show it."""
        return self.key


def plan_code(
    rules: tuple[CodeRules, ...],
    requested: Window,
    tz: tzinfo,
    now: datetime | None = None,
) -> PlannedCode:
    """Pick the first kind of code whose rules fit the window, and round the window.

    `now` is the moment of issue (aware): a rule with `max_start_before_issue` then
    starts a window that began too long before it at the current aligned time.
    """
    if not rules:
        raise PlanRefused("codes_not_supported")
    if requested.start.tzinfo is None or requested.end.tzinfo is None:
        raise PlanRefused("naive_datetime")
    if requested.end <= requested.start:
        raise PlanRefused("end_not_after_start")
    for rule in rules:
        window = _round(rule, requested, tz)
        late = _issued_late(rule, window, requested, now)
        if late:
            window = _round(rule, Window(_utc(late), requested.end), tz)
        if rule.max_span is None or _span(rule, window) <= rule.max_span:
            notes = _notes(rule, window)
            if late:
                notes = (_late_note(window), *notes)
            return PlannedCode(kind=rule.kind, window=window, rules=rule, notes=notes)
    longest = max(
        (rule.max_span for rule in rules if rule.max_span is not None), default=None
    )
    raise PlanRefused(
        "span_too_long", {"max_days": str(longest.days if longest else 0)}
    )


def _issued_late(
    rule: CodeRules, window: Window, requested: Window, now: datetime | None
) -> datetime | None:
    """Give the moment to start from instead, when the window starts too long before `now`.

    A stay that has ended keeps its window: no start would make its code useful.
    """
    if (
        now is None
        or rule.max_start_before_issue is None
        or now.tzinfo is None
        or requested.end <= now
        or _utc(window.start) >= _utc(now) - rule.max_start_before_issue
    ):
        return None
    return now


def _late_note(window: Window) -> str:
    return (
        f"The code starts at {window.start.isoformat()} because it was issued after "
        "the stay began; it covers the rest of the stay."
    )


def _round(rule: CodeRules, requested: Window, tz: tzinfo) -> Window:
    # Through UTC: a time in the zone already is kept as it is by astimezone, even one
    # that a DST change skips; this makes it a real local time.
    start = _utc(requested.start).astimezone(tz)
    if rule.align is not None:
        start = _floor_local(start, rule.align)
    end = _utc(requested.end).astimezone(tz)
    if rule.span_unit is not None and rule.span_unit >= DAY:
        days = max(
            math.ceil(_elapsed(start, end) / DAY) - 1, 1, math.ceil(rule.min_span / DAY)
        )
        # Wall-clock arithmetic on purpose: a daily code ends at its start's time of day.
        while start + timedelta(days=days) < end:
            days += 1
        return Window(start, start + timedelta(days=days))
    if rule.span_unit is not None:
        units = math.ceil(_elapsed(start, end) / rule.span_unit)
        end = _utc(start) + units * rule.span_unit
    end = max(_utc(end), _utc(start) + rule.min_span)
    return Window(start, end.astimezone(tz))


def _span(rule: CodeRules, window: Window) -> timedelta:
    if rule.span_unit is not None and rule.span_unit >= DAY:
        return (window.end.date() - window.start.date()).days * DAY
    return _elapsed(window.start, window.end)


def _notes(rule: CodeRules, window: Window) -> tuple[str, ...]:
    notes: list[str] = []
    if (
        rule.first_use_within is not None
        and _elapsed(window.start, window.end) > rule.first_use_within
    ):
        deadline = window.start + rule.first_use_within
        notes.append(
            f"Enter the code on the lock once before {deadline.isoformat()}: "
            "a code not used within "
            f"{int(rule.first_use_within / timedelta(hours=1))} hours of its start "
            "stops working."
        )
    if not rule.revocable:
        notes.append(
            "This code cannot be revoked; it stops working at the end of its window."
        )
    return tuple(notes)


def _floor_local(moment: datetime, align: timedelta) -> datetime:
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    into_day = moment.replace(tzinfo=None) - midnight.replace(tzinfo=None)
    return midnight + (into_day // align) * align


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _elapsed(start: datetime, end: datetime) -> timedelta:
    # Aware datetimes sharing one tzinfo subtract as wall clocks; real time needs UTC.
    return _utc(end) - _utc(start)


def code_problem(rules: CodeRules, code: str) -> str | None:
    """Why `code` breaks the lock's rules (a translation key), or None when it fits."""
    if not rules.chosen_code:
        return "code_not_choosable"
    if len(code) not in rules.lengths:
        return "code_length"
    if any(digit not in rules.alphabet for digit in code):
        return "code_digits"
    if code.startswith(rules.forbidden_prefixes):
        return "code_prefix"
    return None


def generate_code(
    rules: CodeRules, taken: set[str] | frozenset[str] = frozenset()
) -> str:
    """Draw a random code that fits the rules and is not among `taken`."""
    length = max(rules.lengths)
    while True:
        code = "".join(secrets.choice(rules.alphabet) for _ in range(length))
        if not code.startswith(rules.forbidden_prefixes) and code not in taken:
            return code
