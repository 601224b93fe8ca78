"""The code ledger's file: unreadable parts are kept and reported, never silently dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.ledger import (
    ISSUE_LEDGER_UNREADABLE,
    ISSUE_RECORDS_UNREADABLE,
    LEDGER,
    STORAGE_KEY,
    CodeLedger,
    LedgerStore,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component

GOOD = {
    "uid": "kept",
    "lock_key": "demo_demo:front_door",
    "lock_name": "Front door",
    "name": "Guest",
    "requested_start": "2026-12-01T16:00:00+01:00",
    "requested_end": "2026-12-05T11:00:00+01:00",
    "status": "issued",
    "kind": "keypad",
    "code": "456789",
    "vendor_id": "demo-1",
    "starts": "2026-12-01T16:00:00+01:00",
    "ends": "2026-12-05T11:00:00+01:00",
    "revocable": True,
    "notes": [],
    "error": None,
    "updated_at": "2026-11-20T10:00:00+00:00",
}
STAY = {
    "start": "2026-12-10T16:00:00+01:00",
    "end": "2026-12-12T11:00:00+01:00",
    "name": "Ann",
}


@pytest.fixture(autouse=True)
def own_config_dir(hass: HomeAssistant, tmp_path: Path) -> None:
    """Files written by these tests go to a folder of their own."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / ".storage").mkdir()


def _stored(
    codes: Any, *, version: int = 1, minor: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "version": version,
        "minor_version": minor,
        "key": STORAGE_KEY,
        "data": {"codes": codes, **extra},
    }


async def _start(hass: HomeAssistant, demo_entry: MockConfigEntry) -> None:
    demo_entry.add_to_hass(hass)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()


async def _issue(hass: HomeAssistant, uid: str) -> dict[str, Any]:
    return await hass.services.async_call(
        DOMAIN,
        "issue_code",
        {"entity_id": "lock.front_door", "uid": uid, **STAY},
        blocking=True,
        return_response=True,
    )


async def test_a_newer_minor_version_loads_with_unknown_fields_ignored(
    hass: HomeAssistant, demo_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    hass_storage[STORAGE_KEY] = _stored(
        [{**GOOD, "attempts": 3, "arrived_at": None}], minor=7
    )
    await _start(hass, demo_entry)

    [record] = hass.data[LEDGER].records()
    assert (record.uid, record.code) == ("kept", "456789")
    assert not ir.async_get(hass).issues


async def test_unreadable_records_are_kept_in_the_file_and_reported(
    hass: HomeAssistant, demo_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    broken = [
        {"uid": "no-status"},
        "not a record",
        {**GOOD, "uid": "bad-status", "status": "lost"},
        {**GOOD, "uid": "bad-date", "requested_start": "tomorrow"},
        {**GOOD, "uid": "bad-type", "requested_end": 20261205},
        {**GOOD, "uid": "bad-note", "notes": [1]},
    ]
    hass_storage[STORAGE_KEY] = _stored([GOOD, *broken])
    await _start(hass, demo_entry)

    assert [record.uid for record in hass.data[LEDGER].records()] == ["kept"]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_RECORDS_UNREADABLE)
    assert issue is not None
    assert issue.translation_placeholders["count"] == str(len(broken))

    await _issue(hass, "new")
    saved = hass_storage[STORAGE_KEY]["data"]
    assert {code["uid"] for code in saved["codes"]} == {"kept", "new"}
    assert saved["unreadable"] == broken


async def test_a_ledger_of_another_major_version_is_copied_aside_and_reported(
    hass: HomeAssistant, demo_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    future = _stored([GOOD], version=2)
    path = Path(hass.config.path(".storage", STORAGE_KEY))
    path.write_text(json.dumps(future))
    hass_storage[STORAGE_KEY] = future
    await _start(hass, demo_entry)

    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_LEDGER_UNREADABLE)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.CRITICAL
    backup = Path(issue.translation_placeholders["backup"])
    assert backup.parent == path.parent
    assert json.loads(backup.read_text()) == future
    assert hass.data[LEDGER].records() == []
    # The integration keeps working on a fresh ledger.
    assert (await _issue(hass, "after"))["codes"][0]["status"] == "issued"


async def test_a_ledger_that_is_not_shaped_like_one_is_reported(
    hass: HomeAssistant, demo_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    hass_storage[STORAGE_KEY] = _stored({"kept": GOOD})
    await _start(hass, demo_entry)

    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_LEDGER_UNREADABLE)
    assert issue is not None
    assert issue.translation_placeholders["reason"] == "not a list of codes"


async def test_a_ledger_that_cannot_be_copied_aside_is_not_overwritten(
    hass: HomeAssistant, demo_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    future = _stored([GOOD], version=2)
    path = Path(hass.config.path(".storage", STORAGE_KEY))
    path.mkdir()  # a directory: copying it fails with something else than "not found"
    hass_storage[STORAGE_KEY] = future
    await _start(hass, demo_entry)

    assert (await _issue(hass, "in-memory"))["codes"][0]["status"] == "issued"
    await hass.async_block_till_done()
    assert hass_storage[STORAGE_KEY] == future


async def test_a_corrupt_ledger_file_is_reported_by_home_assistant(
    hass: HomeAssistant, demo_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """Home Assistant's Store moves a corrupt JSON file aside and raises its own issue."""
    hass_storage.pop(STORAGE_KEY, None)
    path = Path(hass.config.path(".storage", STORAGE_KEY))
    path.write_text('{"version": 1, "data": {"codes": [')

    async def load_from_disk(self: Any) -> Any:
        # The storage mock never reads the disk; the real reading is what is under test.
        return await self._async_load_data()

    with patch.object(LedgerStore, "_async_load", load_from_disk):
        await _start(hass, demo_entry)

    issues = ir.async_get(hass).issues.values()
    assert any(
        issue.translation_key == "storage_corruption"
        and issue.translation_placeholders["storage_key"] == STORAGE_KEY
        for issue in issues
    )
    assert list(path.parent.glob(f"{STORAGE_KEY}.corrupt.*"))
    assert hass.data[LEDGER].records() == []


async def test_records_stored_before_use_by_get_their_kinds_deadline(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A ledger of minor version 1 has no `use_by`: each record gets its kind's."""
    algopin = {**GOOD, "uid": "algopin", "kind": "algopin_daily", "revocable": False}
    # Pending: no window from the vendor yet, so the requested one counts.
    pending = {
        **GOOD,
        "uid": "pending",
        "kind": "algopin_hourly",
        "status": "pending",
        "requested_start": "2026-12-03T16:20:00+01:00",
        "starts": None,
        "ends": None,
    }
    broken = {**GOOD, "uid": "broken", "kind": "algopin_hourly", "notes": [1]}
    hass_storage[STORAGE_KEY] = _stored([GOOD, algopin, pending, broken])

    ledger = CodeLedger(hass)
    await ledger.async_load()

    assert {record.uid: record.use_by for record in ledger.records()} == {
        "kept": None,  # a keypad code works its whole window
        "algopin": "2026-12-02T16:00:00+01:00",
        "pending": "2026-12-04T16:20:00+01:00",
    }
    saved = hass_storage[STORAGE_KEY]
    assert saved["minor_version"] == 2
    assert saved["data"]["codes"][1]["use_by"] == "2026-12-02T16:00:00+01:00"
    # What this version cannot read is kept exactly as it was.
    assert saved["data"]["codes"][-1] == broken
