"""The code rules of the real lock platforms, as data for the planner.

Sources: igloohome's algoPIN documentation and the booking systems that use it
(hourly 1 h–28 days, daily 29–367 days ending at the start's time of day, first use
within 24 h, no revocation, 7–9 digits); Nuki's keypad rules (6 digits of 1–9, never
starting with "12", unique per lock).
"""

from datetime import timedelta

from .models import CodeKind, CodeRules

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

IGLOOHOME_HOURLY = CodeRules(
    kind=CodeKind.ALGOPIN_HOURLY,
    lengths=(7, 8, 9),
    align=HOUR,
    span_unit=HOUR,
    min_span=HOUR,
    max_span=timedelta(hours=672),
    revocable=False,
    first_use_within=timedelta(hours=24),
)

IGLOOHOME_DAILY = CodeRules(
    kind=CodeKind.ALGOPIN_DAILY,
    lengths=(7, 8, 9),
    align=HOUR,
    span_unit=DAY,
    min_span=timedelta(days=29),
    max_span=timedelta(days=367),
    revocable=False,
    first_use_within=timedelta(hours=24),
)

NUKI_KEYPAD = CodeRules(
    kind=CodeKind.KEYPAD,
    lengths=(6,),
    alphabet="123456789",
    forbidden_prefixes=("12",),
    align=timedelta(minutes=1),
    chosen_code=True,
)
