"""Lock keys: written in one place, read back by account."""

from __future__ import annotations

from custom_components.lockbooking.locks import lock_id_in, lock_key


def test_a_lock_key_is_the_account_then_the_lock() -> None:
    assert lock_key("demo_demo", "front_door") == "demo_demo:front_door"


def test_a_key_is_read_back_only_for_its_own_account() -> None:
    key = lock_key("fleet_a", "door:00")
    assert lock_id_in("fleet_a", key) == "door:00"
    assert lock_id_in("fleet_b", key) is None
    assert lock_id_in("fleet", key) is None
