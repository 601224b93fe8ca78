"""What a code's kind says without its vendor, from the code rules the vendors publish.

A stored code record names its kind, not its vendor or its rules. Facts about codes
travel on their records (`CodeRecord.use_by`); this is where the ledger finds them for
records stored before they did. Only plain data is imported here: no vendor's client.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from ..models import CodeRules
from .igloohome.rules import CODE_RULES as IGLOOHOME_RULES
from .nuki_common import NUKI_KEYPAD
from .unifi_access.rules import UNIFI_ACCESS_VISITOR_PIN

# Every vendor's rules (the demo vendor borrows igloohome's algoPIN rules).
VENDOR_RULES: Final[tuple[CodeRules, ...]] = (
    *IGLOOHOME_RULES,
    NUKI_KEYPAD,
    UNIFI_ACCESS_VISITOR_PIN,
)
# Per code kind, how long a code of that kind lasts unused after its start.
FIRST_USE_WITHIN: Final[Mapping[str, timedelta]] = {
    rules.kind.value: rules.first_use_within
    for rules in VENDOR_RULES
    if rules.first_use_within is not None
}


def use_by(kind: str | None, start: datetime) -> datetime | None:
    """Tell when a code of this kind opening at `start` dies unused (None: never)."""
    within = FIRST_USE_WITHIN.get(kind) if kind is not None else None
    return start + within if within is not None else None
