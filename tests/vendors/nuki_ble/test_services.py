"""Entities and the code services through Home Assistant, against the fake lock."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
import json
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.lockbooking.code_record import CodeRecord, CodeStatus
from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.ledger import STORAGE_KEY
from custom_components.lockbooking.reconcile import INTERRUPTED
from homeassistant.components.lock import (
    DOMAIN as LOCK_DOMAIN,
    SERVICE_LOCK,
    SERVICE_OPEN,
    SERVICE_UNLOCK,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from ...helpers import lock_device
from .conftest import ADDRESS, advertise
from .fake_nuki_peer import (
    ADD_KEYPAD_CODE,
    LOCKED,
    UNLATCHED,
    UNLOCKED,
    FakeNukiLock,
    FakeRadio,
)

pytestmark = pytest.mark.usefixtures("enable_bluetooth")

VIENNA = dt_util.get_time_zone("Europe/Vienna")
# Far enough ahead to be a future stay without freezing the clock (the Bluetooth
# timeouts run on the event loop's clock).
ARRIVAL = datetime(2030, 8, 1, 15, 0, tzinfo=VIENNA)
DEPARTURE = datetime(2030, 8, 5, 11, 0, tzinfo=VIENNA)
STAY = {"start": ARRIVAL.isoformat(), "end": DEPARTURE.isoformat()}
UID = "stay-ble-1"
LOCK_KEY = f"{ADDRESS}:2A1B3C4D"


@pytest.fixture(autouse=True)
async def vienna(hass: HomeAssistant) -> None:
    await hass.config.async_set_time_zone("Europe/Vienna")


def device(hass: HomeAssistant) -> str:
    found = lock_device(hass, LOCK_KEY)
    assert found is not None
    return found.id


async def issue(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "issue_code",
        {"device_id": device(hass), "uid": UID, "name": "Anna Schmidt", **STAY, **data},
        blocking=True,
        return_response=True,
    )
    [code] = response["codes"]
    return code


async def get_codes(hass: HomeAssistant) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        DOMAIN, "get_codes", {"uid": UID}, blocking=True, return_response=True
    )
    return response["codes"]


@pytest.mark.parametrize(
    "platform", [Platform.BINARY_SENSOR, Platform.LOCK, Platform.SENSOR]
)
async def test_entities_snapshot(
    hass: HomeAssistant,
    radio: FakeRadio,
    nuki_ble_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    nuki_ble_entry.add_to_hass(hass)
    advertise(hass)
    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(nuki_ble_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, nuki_ble_entry.entry_id)
    await hass.config_entries.async_unload(nuki_ble_entry.entry_id)


@pytest.mark.parametrize(
    ("service", "state", "shown"),
    [
        (SERVICE_UNLOCK, UNLOCKED, "unlocked"),
        (SERVICE_OPEN, UNLATCHED, "unlocked"),
        (SERVICE_LOCK, LOCKED, "locked"),
    ],
)
async def test_lock_entity_actions(
    hass: HomeAssistant,
    init_nuki_ble: MockConfigEntry,
    nuki_lock: FakeNukiLock,
    service: str,
    state: int,
    shown: str,
) -> None:
    nuki_lock.lock_state = 4
    await hass.services.async_call(
        LOCK_DOMAIN, service, {ATTR_ENTITY_ID: "lock.front_door"}, blocking=True
    )
    assert nuki_lock.lock_state == state
    # The action marks the state stale: the refresh after it reads the lock.
    assert hass.states.get("lock.front_door").state == shown
    assert hass.states.get("sensor.front_door_battery").state == "84"


async def test_out_of_range_action_is_a_translated_error(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    await init_nuki_ble.runtime_data.vendor.connection.async_close()
    nuki_lock.in_range = False
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            LOCK_DOMAIN,
            SERVICE_LOCK,
            {ATTR_ENTITY_ID: "lock.front_door"},
            blocking=True,
        )
    assert raised.value.translation_key == "vendor_unavailable"


async def test_issue_revoke_and_idempotency(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    code = await issue(hass)
    assert code["status"] == "issued"
    assert code["kind"] == "keypad"
    [stored] = nuki_lock.codes.values()
    assert (str(stored.code), stored.name) == (code["code"], "LB Anna Schmidt")
    assert (stored.start, stored.end) == (
        datetime(2030, 8, 1, 13, 0, tzinfo=UTC),
        datetime(2030, 8, 5, 9, 0, tzinfo=UTC),
    )
    # Asking again for the same stay gives the same code without a second add.
    assert (await issue(hass))["code"] == code["code"]
    assert nuki_lock.received.count(ADD_KEYPAD_CODE) == 1
    assert [c["code"] for c in await get_codes(hass)] == [code["code"]]

    await hass.services.async_call(
        DOMAIN, "revoke_code", {"uid": UID}, blocking=True, return_response=True
    )
    assert nuki_lock.codes == {}
    [record] = await get_codes(hass)
    assert record["status"] == "revoked"


async def test_bad_pin_while_issuing_starts_reauth(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    nuki_lock.security_pin = 1111
    with pytest.raises(HomeAssistantError) as raised:
        await issue(hass, code="456789")
    assert raised.value.translation_key == "vendor_auth"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows if f["handler"] == DOMAIN] == [
        "reauth"
    ]
    assert nuki_lock.codes == {}


async def test_code_added_before_the_answer_was_lost_is_found(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry, nuki_lock: FakeNukiLock
) -> None:
    """The lock stored the code and the link dropped: asking again finds it, adds nothing."""
    nuki_lock.silent_after = ADD_KEYPAD_CODE
    with pytest.raises(HomeAssistantError):
        await issue(hass, code="456789")
    [stored] = nuki_lock.codes.values()
    code = await issue(hass, code="456789")
    assert (code["status"], code["code"]) == ("issued", "456789")
    assert nuki_lock.received.count(ADD_KEYPAD_CODE) == 1
    assert list(nuki_lock.codes.values()) == [stored]


def _pending() -> CodeRecord:
    return CodeRecord(
        uid=UID,
        lock_key=LOCK_KEY,
        lock_name="Front door",
        name="Anna Schmidt",
        requested_start=ARRIVAL.isoformat(),
        requested_end=DEPARTURE.isoformat(),
        status=CodeStatus.PENDING,
        kind="keypad",
        starts=ARRIVAL.isoformat(),
        ends=DEPARTURE.isoformat(),
        revocable=True,
        updated_at="2030-07-28T09:59:00+00:00",
    )


async def _restart_with_pending(
    hass: HomeAssistant, hass_storage: dict[str, Any], entry: MockConfigEntry
) -> list[dict[str, Any]]:
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {"codes": json.loads(json.dumps([asdict(_pending())]))},
    }
    entry.add_to_hass(hass)
    advertise(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    return [r for r in hass_storage[STORAGE_KEY]["data"]["codes"] if r["uid"] == UID]


async def test_restart_finds_a_code_accepted_before_the_stop(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    radio: FakeRadio,
    nuki_lock: FakeNukiLock,
    nuki_ble_entry: MockConfigEntry,
) -> None:
    code_id = nuki_lock.add_code(
        456789, "LB Anna Schmidt", ARRIVAL.astimezone(UTC), DEPARTURE.astimezone(UTC)
    )
    [record] = await _restart_with_pending(hass, hass_storage, nuki_ble_entry)
    assert (record["status"], record["code"], record["vendor_id"]) == (
        "issued",
        "456789",
        str(code_id),
    )
    assert (await issue(hass))["code"] == "456789"
    assert ADD_KEYPAD_CODE not in nuki_lock.received
    await hass.config_entries.async_unload(nuki_ble_entry.entry_id)


async def test_restart_issues_once_a_code_never_sent(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    radio: FakeRadio,
    nuki_lock: FakeNukiLock,
    nuki_ble_entry: MockConfigEntry,
) -> None:
    nuki_lock.add_code(
        567891, "LB Someone else", ARRIVAL.astimezone(UTC), DEPARTURE.astimezone(UTC)
    )
    [record] = await _restart_with_pending(hass, hass_storage, nuki_ble_entry)
    assert (record["status"], record["error"], record["code"]) == (
        "failed",
        INTERRUPTED,
        None,
    )
    code = await issue(hass, code="456789")
    assert (code["status"], code["code"]) == ("issued", "456789")
    assert (await issue(hass, code="456789"))["code"] == "456789"
    assert nuki_lock.received.count(ADD_KEYPAD_CODE) == 1
    await hass.config_entries.async_unload(nuki_ble_entry.entry_id)


async def test_diagnostics_hide_the_pairing_and_pin(
    hass: HomeAssistant, init_nuki_ble: MockConfigEntry
) -> None:
    from custom_components.lockbooking.diagnostics import (
        async_get_config_entry_diagnostics,
    )

    diagnostics = await async_get_config_entry_diagnostics(hass, init_nuki_ble)
    data = diagnostics["entry"]["data"]
    for key in ("auth_id", "shared_key", "security_pin"):
        assert data[key] == "**REDACTED**"
    # The lock's Bluetooth MAC, also inside its lock keys, is hardware's identity.
    assert data["address"] == "**REDACTED**"
    assert ADDRESS.lower() not in str(diagnostics).lower()
