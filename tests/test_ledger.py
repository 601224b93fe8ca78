"""The code ledger's look-ups: a uid's records stay found through puts, re-keys and prunes."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory

from custom_components.lockbooking.code_record import CodeRecord, CodeStatus
from custom_components.lockbooking.ledger import STORAGE_KEY, CodeLedger
from homeassistant.core import HomeAssistant


def _record(
    uid: str, lock: str, start: str = "2026-12-01T16:00:00+01:00"
) -> CodeRecord:
    return CodeRecord(
        uid=uid,
        lock_key=f"demo_demo:{lock}",
        lock_name=lock,
        name="Guest",
        requested_start=start,
        requested_end=start.replace("T16:00", "T23:00"),
        status=CodeStatus.ISSUED,
        code="456789",
    )


async def _ledger(hass: HomeAssistant) -> CodeLedger:
    ledger = CodeLedger(hass)
    await ledger.async_load()
    return ledger


async def test_a_uids_records_are_found_after_load_and_put(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    stored = _record("stay-1", "front_door")
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {"codes": [{**asdict(stored), "status": stored.status.value}]},
    }
    ledger = await _ledger(hass)
    await ledger.async_put(
        _record("stay-1", "cabin", start="2026-11-30T16:00:00+01:00")
    )
    await ledger.async_put(_record("stay-2", "front_door"))

    assert [r.lock_name for r in ledger.records("stay-1")] == ["cabin", "front_door"]
    assert [r.uid for r in ledger.records("stay-2")] == ["stay-2"]
    assert ledger.records("stay-3") == []
    assert len(ledger.records()) == 3


async def test_a_replaced_record_is_found_once(hass: HomeAssistant) -> None:
    ledger = await _ledger(hass)
    record = await ledger.async_put(_record("stay-1", "front_door"))
    await ledger.async_put(replace(record, status=CodeStatus.REVOKED))

    [found] = ledger.records("stay-1")
    assert found.status is CodeStatus.REVOKED


def _saved_uids(hass_storage: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (row["uid"], row["lock_name"])
        for row in hass_storage[STORAGE_KEY]["data"]["codes"]
    )


async def test_rekeyed_records_move_to_the_new_uid(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    ledger = await _ledger(hass)
    await ledger.async_put(_record("old", "front_door"))
    await ledger.async_put(_record("old", "cabin"))

    await ledger.async_rekey("old", "new")

    assert ledger.records("old") == []
    assert sorted(r.lock_name for r in ledger.records("new")) == ["cabin", "front_door"]
    assert _saved_uids(hass_storage) == [("new", "cabin"), ("new", "front_door")]


async def test_pruned_records_are_no_longer_found(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    ledger = await _ledger(hass)
    await ledger.async_put(
        _record("kept", "front_door", start="2027-01-20T16:00:00+01:00")
    )
    await ledger.async_put(_record("ended", "front_door"))
    await ledger.async_put(_record("ended", "cabin"))

    assert (
        await ledger.async_prune(datetime.fromisoformat("2027-02-01T00:00:00+01:00"))
        == 2
    )

    assert ledger.records("ended") == []
    assert [r.uid for r in ledger.records()] == ["kept"]
    assert _saved_uids(hass_storage) == [("kept", "front_door")]


async def test_a_clock_jump_never_drops_live_records(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-12-01T12:00:00+01:00")
    ledger = await _ledger(hass)
    await ledger.async_put(_record("live", "front_door"))
    tick = time.monotonic()

    # The wall clock leaps a year ahead; the monotonic clock counted a minute.
    freezer.move_to("2027-12-01T12:00:00+01:00")
    with patch(
        "custom_components.lockbooking.ledger.time.monotonic", return_value=tick + 60
    ):
        assert await ledger.async_prune() == 0
    assert [r.uid for r in ledger.records()] == ["live"]

    # Time that really passed: the record goes.
    with patch(
        "custom_components.lockbooking.ledger.time.monotonic",
        return_value=tick + 365 * 86400,
    ):
        assert await ledger.async_prune() == 1
