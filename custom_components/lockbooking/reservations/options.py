"""A reservations entry's options, typed, with the defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry

from ..const import (
    CONF_AUTO_ISSUE,
    CONF_AUTO_REVOKE,
    CONF_CODE_CHOICE,
    CONF_ISSUE_HOURS_BEFORE,
    CONF_LONGEST_STAY,
    CONF_MARGIN_AFTER,
    CONF_MARGIN_BEFORE,
    CONF_NOT_ARRIVED,
    CONF_NOT_ARRIVED_HOURS,
    CONF_REFRESH_MINUTES,
    CONF_SAME_CODE,
    CONF_SKIP_PATTERNS,
    DEFAULT_OPTIONS,
)
from .feed import DEFAULT_BLOCK_PATTERNS


@dataclass(frozen=True, slots=True)
class ReservationsOptions:
    """What the host chose for a reservations entry (read afresh where it is used)."""

    auto_issue: bool
    issue_hours_before: int
    margin_before_minutes: int
    margin_after_minutes: int
    auto_revoke: bool
    refresh_minutes: int
    code_choice: str
    same_code: bool
    not_arrived: str
    not_arrived_hours: float
    longest_stay_nights: int
    skip_patterns: tuple[str, ...]

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> ReservationsOptions:
        """Read the entry's options; a default for each one it does not have."""

        def value(key: str) -> Any:
            return entry.options.get(key, DEFAULT_OPTIONS.get(key))

        return cls(
            auto_issue=bool(value(CONF_AUTO_ISSUE)),
            issue_hours_before=int(value(CONF_ISSUE_HOURS_BEFORE)),
            margin_before_minutes=int(value(CONF_MARGIN_BEFORE)),
            margin_after_minutes=int(value(CONF_MARGIN_AFTER)),
            auto_revoke=bool(value(CONF_AUTO_REVOKE)),
            refresh_minutes=int(value(CONF_REFRESH_MINUTES)),
            code_choice=str(value(CONF_CODE_CHOICE)),
            same_code=bool(value(CONF_SAME_CODE)),
            not_arrived=str(value(CONF_NOT_ARRIVED)),
            not_arrived_hours=float(value(CONF_NOT_ARRIVED_HOURS)),
            longest_stay_nights=int(value(CONF_LONGEST_STAY)),
            skip_patterns=tuple(
                entry.options.get(CONF_SKIP_PATTERNS, DEFAULT_BLOCK_PATTERNS)
            ),
        )
