"""The cancellation rules, on their own: plain data in, what changed out (no hass)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations import stays as stays_module
from custom_components.lockbooking.reservations.stays import (
    MISSES_TO_CANCEL,
    compare_stays,
    renamed_stays,
)

NOW = datetime(2026, 8, 1, 12, tzinfo=UTC)


def stay(
    uid: str, days_ahead: int = 3, summary: str = "Guest", phone: str | None = None
) -> Reservation:
    start = NOW + timedelta(days=days_ahead)
    return Reservation(
        uid, summary, start, start + timedelta(days=2), phone_last4=phone
    )


def by_uid(*reservations: Reservation) -> dict[str, Reservation]:
    return {r.uid: r for r in reservations}


def test_the_module_imports_nothing_of_home_assistant() -> None:
    for module in (
        stays_module.__file__,
        Path(stays_module.__file__).parent.parent / "models.py",
    ):
        tree = ast.parse(Path(module).read_text())
        imported = {
            name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
        }
        assert not any(name.startswith("homeassistant") for name in imported), module


def test_new_and_changed_stays_are_told_apart() -> None:
    known = by_uid(stay("a"), stay("b"))
    moved = stay("b", days_ahead=5)
    changes = compare_stays(known, by_uid(stay("a"), moved, stay("c", 9)), {}, now=NOW)
    assert [r.uid for r in changes.new] == ["c"]
    assert changes.changed == (moved,)
    assert changes.cancelled == ()
    assert list(changes.stays) == ["a", "b", "c"]
    assert not changes.ignored


def test_a_stay_is_cancelled_only_after_consecutive_misses() -> None:
    known = by_uid(stay("a"), stay("b", 6))
    misses: dict[str, int] = {}
    for _ in range(MISSES_TO_CANCEL - 1):
        changes = compare_stays(known, by_uid(stay("a")), misses, now=NOW)
        assert changes.cancelled == ()
        assert "b" in changes.stays  # kept while it may be a glitch
        known, misses = changes.stays, changes.misses
    assert misses == {"b": MISSES_TO_CANCEL - 1}
    changes = compare_stays(known, by_uid(stay("a")), misses, now=NOW)
    assert [r.uid for r in changes.cancelled] == ["b"]
    assert list(changes.stays) == ["a"]
    assert changes.misses == {}


def test_a_stay_back_in_the_feed_starts_its_misses_over() -> None:
    known = by_uid(stay("a"), stay("b", 6))
    changes = compare_stays(known, by_uid(stay("a"), stay("b", 6)), {"b": 1}, now=NOW)
    assert changes.misses == {}
    assert changes.cancelled == ()


def test_a_stay_that_has_ended_is_never_cancelled() -> None:
    over = stay("over", days_ahead=-5)
    changes = compare_stays(
        by_uid(stay("a"), over), by_uid(stay("a")), {"over": 1}, now=NOW
    )
    assert changes.cancelled == ()
    assert list(changes.stays) == ["a"]


def test_a_fetch_without_a_stay_to_come_changes_nothing() -> None:
    known = by_uid(stay("a"), stay("b"))
    changes = compare_stays(known, by_uid(stay("past", -9)), {"a": 1}, now=NOW)
    assert changes.ignored
    assert changes.stays is known
    assert changes.misses == {"a": 1}
    assert changes.cancelled == ()


def test_nothing_known_and_nothing_to_come_is_not_ignored() -> None:
    changes = compare_stays({}, {}, {}, now=NOW)
    assert not changes.ignored
    assert changes.stays == {}


def test_a_stay_under_a_new_uid_is_renamed_not_cancelled() -> None:
    known = by_uid(stay("old", phone="1234"), stay("a", 8))
    present = by_uid(stay("new", phone="1234", summary="Renamed"), stay("a", 8))
    changes = compare_stays(known, present, {"old": 1}, now=NOW)
    assert changes.renamed == {"old": "new"}
    assert changes.new == ()
    assert changes.cancelled == ()
    assert changes.misses == {}
    assert list(changes.stays) == ["new", "a"]


def test_a_stay_being_issued_keeps_its_uid() -> None:
    known = by_uid(stay("old", phone="1234"), stay("a", 8))
    present = by_uid(stay("new", phone="1234"), stay("a", 8))
    changes = compare_stays(
        known, present, {}, now=NOW, can_rename=lambda uid: uid != "old"
    )
    assert changes.renamed == {}
    assert [r.uid for r in changes.new] == ["new"]
    assert changes.misses == {"old": 1}


def test_ambiguous_renames_stay_cancellations_and_new_stays() -> None:
    known = by_uid(stay("x", phone="1234"), stay("y", phone="1234"))
    present = by_uid(stay("p", phone="1234"), stay("q", phone="1234"))
    assert renamed_stays(known, present) == {}


def test_an_unreadable_event_counts_as_unknown_not_absent() -> None:
    known = by_uid(stay("a"), stay("b", 6), stay("c#2026", 7))
    changes = compare_stays(
        known, by_uid(stay("a")), {"b": 1, "c#2026": 1}, now=NOW, unreadable=["b", "c"]
    )
    assert changes.cancelled == ()
    assert set(changes.stays) == {"a", "b", "c#2026"}
    # Not counted either way: unknown is not a miss.
    assert changes.misses == {"b": 1, "c#2026": 1}


def test_an_unreadable_event_without_a_uid_keeps_every_missing_stay() -> None:
    known = by_uid(stay("a"), stay("b", 6))
    changes = compare_stays(
        known, by_uid(stay("a")), {"b": 1}, now=NOW, unreadable=[None]
    )
    assert changes.cancelled == ()
    assert "b" in changes.stays


def test_the_inputs_are_left_alone() -> None:
    known = by_uid(stay("a"), stay("b", 6))
    fetched = by_uid(stay("a"))
    misses = {"b": 1}
    compare_stays(known, fetched, misses, now=NOW)
    assert list(known) == ["a", "b"]
    assert list(fetched) == ["a"]
    assert misses == {"b": 1}
