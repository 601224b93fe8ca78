"""An algoPIN never starts more than an hour before it is issued (issue 20, build 7).

An algoPIN for more than a day must be entered within 24 h of its start, so one issued
late for a stay that has begun (or again for an extended one) starts at the current
hour and covers the rest of the stay, and its notes say so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.models import CodeKind, Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.igloohome.rules import (
    IGLOOHOME_DAILY,
    IGLOOHOME_HOURLY,
)
from custom_components.lockbooking.vendors.nuki_common import NUKI_KEYPAD
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

ALGOPINS = (IGLOOHOME_HOURLY, IGLOOHOME_DAILY)
BERLIN = dt_util.get_time_zone("Europe/Berlin")
VIENNA = dt_util.get_time_zone("Europe/Vienna")
LATE = "because it was issued after the stay began"


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def _late_notes(notes: tuple[str, ...]) -> list[str]:
    return [note for note in notes if LATE in note]


def test_late_hourly_starts_at_the_current_hour() -> None:
    stay = Window(_at(2026, 12, 1, 15), _at(2026, 12, 3, 11))
    plan = plan_code(ALGOPINS, stay, BERLIN, _at(2026, 12, 1, 17, 40))
    assert plan.kind is CodeKind.ALGOPIN_HOURLY
    assert plan.window == Window(_at(2026, 12, 1, 17), _at(2026, 12, 3, 11))
    assert _late_notes(plan.notes) == [
        "The code starts at 2026-12-01T17:00:00+01:00 because it was issued after "
        "the stay began; it covers the rest of the stay."
    ]
    # The first-use deadline counts from the new start.
    assert any("2026-12-02T17:00:00+01:00" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (_at(2026, 12, 1, 15, 50), _at(2026, 12, 1, 15)),  # within the hour: kept
        (_at(2026, 12, 1, 16, 0), _at(2026, 12, 1, 15)),  # exactly an hour: kept
        (_at(2026, 12, 1, 16, 1), _at(2026, 12, 1, 16)),  # later: the current hour
        (_at(2026, 11, 30, 9, 0), _at(2026, 12, 1, 15)),  # before the stay: kept
    ],
)
def test_start_is_at_most_an_hour_before_the_issue(
    now: datetime, start: datetime
) -> None:
    stay = Window(_at(2026, 12, 1, 15, 20), _at(2026, 12, 3, 11))
    plan = plan_code(ALGOPINS, stay, BERLIN, now)
    assert plan.window.start == start
    assert plan.window.start >= now - timedelta(hours=1)
    assert bool(_late_notes(plan.notes)) is (start != _at(2026, 12, 1, 15))


def test_late_daily_ends_at_the_new_start_time_of_day() -> None:
    stay = Window(_at(2026, 12, 1, 16), _at(2027, 1, 10, 11))
    plan = plan_code(ALGOPINS, stay, BERLIN, _at(2026, 12, 3, 9, 30))
    assert plan.kind is CodeKind.ALGOPIN_DAILY
    assert plan.window.start == _at(2026, 12, 3, 9)
    assert plan.window.end == _at(2027, 1, 11, 9)
    assert plan.window.end >= stay.end
    assert _late_notes(plan.notes)


def test_late_issue_picks_the_kind_for_the_rest_of_the_stay() -> None:
    """Thirty nights need a daily PIN; the 26 left when issued late fit an hourly one."""
    stay = Window(_at(2026, 12, 1, 16), _at(2026, 12, 31, 11))
    assert plan_code(ALGOPINS, stay, BERLIN).kind is CodeKind.ALGOPIN_DAILY
    plan = plan_code(ALGOPINS, stay, BERLIN, _at(2026, 12, 5, 10, 15))
    assert plan.kind is CodeKind.ALGOPIN_HOURLY
    assert plan.window == Window(_at(2026, 12, 5, 10), _at(2026, 12, 31, 11))


@pytest.mark.parametrize(
    ("rules", "now"),
    [
        (ALGOPINS, None),  # no moment of issue given
        (ALGOPINS, _at(2026, 12, 4, 12)),  # the stay is over: nothing to cover
        ((NUKI_KEYPAD,), _at(2026, 12, 2, 12)),  # a keypad code has no first use
    ],
)
def test_window_kept(rules: Any, now: datetime | None) -> None:
    stay = Window(_at(2026, 12, 1, 15), _at(2026, 12, 3, 11))
    plan = plan_code(rules, stay, BERLIN, now)
    assert plan.window == plan_code(rules, stay, BERLIN).window
    assert not _late_notes(plan.notes)


async def test_issue_code_after_the_stay_began(
    hass: HomeAssistant, init_demo: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Through the service: the cabin's algoPIN starts at the hour it is issued."""
    await hass.config.async_set_time_zone("Europe/Vienna")
    freezer.move_to(datetime(2026, 12, 2, 10, 20, tzinfo=VIENNA))
    response = await hass.services.async_call(
        "lockbooking",
        "issue_code",
        {
            "entity_id": "sensor.cabin_battery",
            "start": "2026-12-01T16:00:00+01:00",
            "end": "2026-12-05T11:00:00+01:00",
            "uid": "late",
        },
        blocking=True,
        return_response=True,
    )
    [code] = response["codes"]
    assert (code["starts"], code["ends"]) == (
        "2026-12-02T10:00:00+01:00",
        "2026-12-05T11:00:00+01:00",
    )
    assert code["kind"] == "algopin_hourly"
    assert code["status"] == "issued"
    assert _late_notes(tuple(code["notes"]))
    assert any("2026-12-03T10:00:00+01:00" in note for note in code["notes"])
