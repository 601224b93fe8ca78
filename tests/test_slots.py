"""Picking a managed code slot for a code window: overlaps, freed slots, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.lockbooking.models import SlotRange
from custom_components.lockbooking.slots import (
    DEFAULT_FIRST_SLOT,
    DEFAULT_SLOT_COUNT,
    NoFreeSlotError,
    SlotUse,
    WindowSlot,
    pick_slot,
)

T0 = datetime(2026, 7, 1, 15, tzinfo=UTC)
DAY = timedelta(days=1)


def use(slot: int, start_day: int, end_day: int, holder: str = "") -> SlotUse:
    return SlotUse(slot, T0 + start_day * DAY, T0 + end_day * DAY, holder)


def test_default_range_is_ten_to_nineteen() -> None:
    managed = SlotRange()
    assert (DEFAULT_FIRST_SLOT, DEFAULT_SLOT_COUNT) == (10, 10)
    assert list(managed.slots) == list(range(10, 20))
    assert 10 in managed
    assert 19 in managed
    assert 9 not in managed
    assert 20 not in managed
    assert "10" not in managed


@pytest.mark.parametrize(("first", "count"), [(0, 5), (-1, 5), (1, 0), (10, -3)])
def test_bad_range_refused(first: int, count: int) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        SlotRange(first, count)


@pytest.mark.parametrize("ends", [T0, T0 - DAY])
def test_window_must_open_before_it_closes(ends: datetime) -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        pick_slot(SlotRange(), [], T0, ends)


def test_empty_lock_gets_first_managed_slot() -> None:
    assert pick_slot(SlotRange(), [], T0, T0 + DAY) == 10
    assert pick_slot(SlotRange(3, 2), [], T0, T0 + DAY) == 3


def test_overlapping_stays_take_different_slots() -> None:
    in_use = [use(10, 0, 3), use(11, 2, 5)]
    assert pick_slot(SlotRange(), in_use, T0 + DAY, T0 + 4 * DAY) == 12


def test_back_to_back_stays_share_a_slot() -> None:
    # Check-out at the instant of the next check-in: the windows are half-open.
    assert pick_slot(SlotRange(), [use(10, 0, 2)], T0 + 2 * DAY, T0 + 4 * DAY) == 10
    assert pick_slot(SlotRange(), [use(10, 4, 6)], T0 + 2 * DAY, T0 + 4 * DAY) == 10


def test_later_use_of_a_slot_blocks_an_overlapping_earlier_window() -> None:
    # A future reservation already holding slot 10 from day 3 keeps it.
    assert pick_slot(SlotRange(), [use(10, 3, 5)], T0, T0 + 4 * DAY) == 11


def test_slot_whose_window_ended_is_free_again() -> None:
    # Caught up late: the new window began before now; the old code ended and was cleared.
    in_use = [use(10, -3, 1)]
    now = T0 + 1 * DAY
    assert pick_slot(SlotRange(), in_use, T0, T0 + 3 * DAY, now=now) == 10
    # Without `now`, the overlap still counts.
    assert pick_slot(SlotRange(), in_use, T0, T0 + 3 * DAY) == 11


def test_use_still_running_at_now_blocks() -> None:
    in_use = [use(10, -3, 2)]
    assert pick_slot(SlotRange(), in_use, T0, T0 + 3 * DAY, now=T0 + DAY) == 11


def test_slots_outside_the_managed_range_are_ignored() -> None:
    in_use = [use(9, 0, 5), use(20, 0, 5), use(1, 0, 5)]
    assert pick_slot(SlotRange(), in_use, T0, T0 + DAY) == 10


def test_holders_own_use_does_not_stand_in_its_way() -> None:
    in_use = [use(10, 0, 3, "stay-a"), use(11, 0, 3, "stay-b")]
    assert pick_slot(SlotRange(), in_use, T0, T0 + 4 * DAY, holder="stay-a") == 10
    assert pick_slot(SlotRange(), in_use, T0, T0 + 4 * DAY) == 12


def test_lowest_free_slot_wins_even_with_a_gap() -> None:
    in_use = [use(10, 0, 5), use(12, 0, 5)]
    assert pick_slot(SlotRange(), in_use, T0, T0 + DAY) == 11


def test_none_free_is_a_typed_refusal() -> None:
    managed = SlotRange(10, 2)
    in_use = [use(10, 0, 3), use(11, 1, 2), use(12, 0, 9)]
    with pytest.raises(NoFreeSlotError, match="no free code slot among 10-11") as err:
        pick_slot(managed, in_use, T0 + DAY, T0 + 2 * DAY)
    assert err.value.managed == managed
    assert err.value.window == WindowSlot(T0 + DAY, T0 + 2 * DAY)
    assert {u.slot for u in err.value.busy} == {10, 11}


def test_every_pick_is_free_for_its_window() -> None:
    # Many stays placed one after another never share a slot while they overlap.
    managed = SlotRange(10, 4)
    placed: list[SlotUse] = []
    refused = 0
    for i in range(40):
        starts = T0 + timedelta(hours=7 * i)
        ends = starts + timedelta(hours=5 + (i * 13) % 30)
        try:
            slot = pick_slot(managed, placed, starts, ends)
        except NoFreeSlotError:
            refused += 1
            continue
        new = SlotUse(slot, starts, ends, f"s{i}")
        for other in placed:
            if other.slot == slot:
                assert not WindowSlot(starts, ends).overlaps(other)
        placed.append(new)
    assert placed
    assert refused + len(placed) == 40
