"""The code rules of igloohome locks, as data for the planner.

Sources: igloohome's algoPIN documentation and the booking systems that use it
(hourly 1 h to 28 days, daily 29 to 367 days ending at the start's time of day, first
use within 24 h, no revocation, 7 to 9 digits). Since a PIN must be entered within 24 h
of its start, one issued late (or again for a longer stay) starts at the current hour.
"""

from datetime import timedelta

from ...models import CodeKind, CodeRules

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# An algoPIN nobody has entered this long after its start no longer opens the lock.
ALGOPIN_FIRST_USE = timedelta(hours=24)

IGLOOHOME_HOURLY = CodeRules(
    kind=CodeKind.ALGOPIN_HOURLY,
    lengths=(7, 8, 9),
    align=HOUR,
    span_unit=HOUR,
    min_span=HOUR,
    max_span=timedelta(hours=672),
    revocable=False,
    first_use_within=ALGOPIN_FIRST_USE,
    max_start_before_issue=HOUR,
)

IGLOOHOME_DAILY = CodeRules(
    kind=CodeKind.ALGOPIN_DAILY,
    lengths=(7, 8, 9),
    align=HOUR,
    span_unit=DAY,
    min_span=timedelta(days=29),
    max_span=timedelta(days=367),
    revocable=False,
    first_use_within=ALGOPIN_FIRST_USE,
    max_start_before_issue=HOUR,
)

# Custom PINs an igloohome Bridge writes to a lock (4-6 digits, deletable). After the
# algoPIN rules so plans use algoPINs unless a code is chosen; the window limits are
# not documented, so they follow the algoPINs': whole hours, at most 367 days.
IGLOOHOME_BRIDGE_PIN = CodeRules(
    kind=CodeKind.BRIDGE_PIN,
    lengths=(4, 5, 6),
    align=HOUR,
    span_unit=HOUR,
    min_span=HOUR,
    max_span=timedelta(days=367),
    chosen_code=True,
)

CODE_RULES = (IGLOOHOME_HOURLY, IGLOOHOME_DAILY, IGLOOHOME_BRIDGE_PIN)
