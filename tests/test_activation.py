"""Scheduled activation through Home Assistant: slot codes written and cleared on time.

Locks of Z-Wave JS, ZHA and Matter keep no window: a code goes into its slot when its
window opens and out when it closes, across restarts, failures and revokes.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.ledger import LEDGER, STORAGE_KEY
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from homeassistant.helpers import issue_registry as ir

from .ha_locks import FakeKeypads, add_ha_lock, at, ha_account_entry

pytestmark = pytest.mark.usefixtures("vienna")
# Check-in on 1 December at 16:00, check-out on the 5th at 11:00 (Vienna).
STAY = {"start": "2026-12-01T16:00:00+01:00", "end": "2026-12-05T11:00:00+01:00"}
BEFORE = "2026-11-30T12:00:00+01:00"
CHECK_IN = "2026-12-01T16:00:00+01:00"
MID_STAY = "2026-12-03T12:00:00+01:00"
CHECK_OUT = "2026-12-05T11:00:00+01:00"


@pytest.fixture
async def account(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """A "Locks in Home Assistant" account with a Z-Wave, a ZHA and a Matter lock."""
    freezer.move_to(BEFORE)
    locks = [
        add_ha_lock(hass, "zwave_js", "front_door"),
        add_ha_lock(hass, "zha", "back_door"),
        add_ha_lock(hass, "matter", "side_door"),
    ]
    entry = ha_account_entry(locks)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _call(
    hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True, **kwargs
    )


async def _issue(
    hass: HomeAssistant, entity_id: str, uid: str = "stay-1", **window: str
) -> dict[str, Any]:
    response = await _call(
        hass,
        "issue_code",
        {"entity_id": entity_id, **(window or STAY), "uid": uid, "name": "Anna"},
    )
    [code] = response["codes"]
    return code


async def _status(hass: HomeAssistant, entity_id: str) -> list[dict[str, Any]]:
    return (await _call(hass, "get_codes", {"entity_id": entity_id}))["codes"]


@pytest.mark.usefixtures("account")
async def test_a_code_is_written_at_check_in_and_cleared_at_check_out(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    code = await _issue(hass, "lock.front_door")
    assert code["status"] == "scheduled"
    assert code["slot"] == 10
    assert code["entity_id"] == "lock.front_door"
    assert keypads.held("lock.front_door") == {}
    assert keypads.writes() == []

    await at(hass, freezer, "2026-12-01T15:59:00+01:00")
    assert keypads.held("lock.front_door") == {}
    await at(hass, freezer, CHECK_IN)
    assert keypads.held("lock.front_door") == {10: code["code"]}
    [shown] = await _status(hass, "lock.front_door")
    assert shown["status"] == "issued"
    assert shown["notes"] == []

    await at(hass, freezer, "2026-12-05T10:59:00+01:00")
    assert keypads.held("lock.front_door") == {10: code["code"]}
    await at(hass, freezer, CHECK_OUT)
    assert keypads.held("lock.front_door") == {}
    assert [data["code_slot"] for data in keypads.writes("clear_lock_usercode")] == [10]


@pytest.mark.usefixtures("account")
@pytest.mark.parametrize(
    ("entity_id", "action", "slot_field", "code_field"),
    [
        ("lock.front_door", "set_lock_usercode", "code_slot", "usercode"),
        ("lock.back_door", "set_lock_user_code", "code_slot", "user_code"),
        (
            "lock.side_door",
            "set_lock_credential",
            "credential_index",
            "credential_data",
        ),
    ],
)
async def test_each_integration_gets_its_own_fields(
    hass: HomeAssistant,
    keypads: FakeKeypads,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    action: str,
    slot_field: str,
    code_field: str,
) -> None:
    code = await _issue(hass, entity_id)
    await at(hass, freezer, CHECK_IN)
    [written] = keypads.writes(action)
    assert written[slot_field] == 10
    assert written[code_field] == code["code"]
    assert keypads.held(entity_id) == {10: code["code"]}
    await at(hass, freezer, CHECK_OUT)
    assert keypads.held(entity_id) == {}


@pytest.mark.usefixtures("account")
async def test_a_code_issued_inside_its_window_is_written_at_once(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await at(hass, freezer, MID_STAY)
    code = await _issue(hass, "lock.front_door")
    assert code["status"] == "issued"
    assert keypads.held("lock.front_door") == {10: code["code"]}


@pytest.mark.usefixtures("account")
async def test_a_revoke_before_the_window_writes_nothing(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await _issue(hass, "lock.front_door")
    [revoked] = (
        await _call(
            hass, "revoke_code", {"entity_id": "lock.front_door", "uid": "stay-1"}
        )
    )["codes"]
    assert revoked["status"] == "revoked"
    await at(hass, freezer, CHECK_IN)
    await at(hass, freezer, MID_STAY)
    assert keypads.calls == []


@pytest.mark.usefixtures("account")
async def test_a_revoke_inside_the_window_clears_at_once(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await _issue(hass, "lock.front_door")
    await at(hass, freezer, MID_STAY)
    assert keypads.held("lock.front_door")
    await _call(hass, "revoke_code", {"entity_id": "lock.front_door", "uid": "stay-1"})
    assert keypads.held("lock.front_door") == {}
    await at(hass, freezer, CHECK_OUT)
    assert len(keypads.writes("set_lock_usercode")) == 1


@pytest.mark.usefixtures("account")
async def test_overlapping_stays_take_different_slots_and_a_full_lock_refuses(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    keypads.slots["lock.front_door"] = {3: "999999"}  # the host's own code
    slots = [
        (await _issue(hass, "lock.front_door", f"stay-{n}"))["slot"] for n in range(10)
    ]
    assert slots == list(range(10, 20))
    with pytest.raises(ServiceValidationError) as refused:
        await _issue(hass, "lock.front_door", "stay-10")
    assert refused.value.translation_key == "no_free_slot"
    # A stay after the others ends takes a slot freed by then.
    later = await _issue(
        hass,
        "lock.front_door",
        "stay-11",
        start="2026-12-06T16:00:00+01:00",
        end="2026-12-08T11:00:00+01:00",
    )
    assert later["slot"] == 10
    await at(hass, freezer, MID_STAY)
    held = keypads.held("lock.front_door")
    assert sorted(held) == [3, *range(10, 20)]
    assert held[3] == "999999"
    await at(hass, freezer, "2026-12-07T12:00:00+01:00")
    assert keypads.held("lock.front_door") == {3: "999999", 10: later["code"]}
    assert all(data["code_slot"] != 3 for data in keypads.writes())


async def test_a_restart_catches_up_what_was_missed(
    hass: HomeAssistant,
    account: MockConfigEntry,
    keypads: FakeKeypads,
    freezer: FrozenDateTimeFactory,
) -> None:
    first = await _issue(hass, "lock.front_door")
    second = await _issue(
        hass,
        "lock.back_door",
        "stay-2",
        start="2026-12-01T16:00:00+01:00",
        end="2026-12-02T11:00:00+01:00",
    )
    await hass.config_entries.async_unload(account.entry_id)
    await at(hass, freezer, "2026-12-02T12:00:00+01:00")  # down over check-in
    assert keypads.calls == []
    assert await hass.config_entries.async_setup(account.entry_id)
    await hass.async_block_till_done()
    # Written late, and said so; a window that closed meanwhile writes nothing.
    assert keypads.held("lock.front_door") == {10: first["code"]}
    assert keypads.held("lock.back_door") == {}
    [shown] = await _status(hass, "lock.front_door")
    assert shown["status"] == "issued"
    assert any("late" in note for note in shown["notes"])
    assert second["code"] not in keypads.held("lock.back_door").values()

    # Down again over check-out: cleared late at start.
    await hass.config_entries.async_unload(account.entry_id)
    await at(hass, freezer, "2026-12-05T13:00:00+01:00")
    assert keypads.held("lock.front_door") == {10: first["code"]}
    assert await hass.config_entries.async_setup(account.entry_id)
    await hass.async_block_till_done()
    assert keypads.held("lock.front_door") == {}
    [shown] = await _status(hass, "lock.front_door")
    assert sum("late" in note for note in shown["notes"]) == 2


async def test_a_restart_keeps_the_schedule(
    hass: HomeAssistant,
    account: MockConfigEntry,
    keypads: FakeKeypads,
    freezer: FrozenDateTimeFactory,
) -> None:
    code = await _issue(hass, "lock.front_door")
    await hass.config_entries.async_reload(account.entry_id)
    await hass.async_block_till_done()
    await at(hass, freezer, CHECK_IN)
    assert keypads.held("lock.front_door") == {10: code["code"]}
    await hass.config_entries.async_reload(account.entry_id)
    await hass.async_block_till_done()
    assert len(keypads.writes("set_lock_usercode")) == 1  # nothing written twice
    await at(hass, freezer, CHECK_OUT)
    assert keypads.held("lock.front_door") == {}


@pytest.mark.usefixtures("account")
async def test_an_unreachable_lock_turns_the_code_failed_with_a_repair(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    failed = async_capture_events(hass, "lockbooking_code_failed")
    code = await _issue(hass, "lock.front_door")
    keypads.unreachable.add("lock.front_door")
    await at(hass, freezer, CHECK_IN)
    [shown] = await _status(hass, "lock.front_door")
    assert shown["status"] == "failed"
    [event] = failed
    assert event.data["uid"] == "stay-1"
    assert event.data["codes"][0]["entity_id"] == "lock.front_door"
    assert event.data["reason"] == "vendor_unavailable"
    assert code["code"] not in str(event.data)
    issues = ir.async_get(hass).issues
    assert any(key[1].startswith("slot_code_not_written") for key in issues)

    keypads.unreachable.clear()
    await at(hass, freezer, "2026-12-01T16:06:00+01:00")
    assert keypads.held("lock.front_door") == {10: code["code"]}
    [shown] = await _status(hass, "lock.front_door")
    assert shown["status"] == "issued"
    assert not any(
        key[1].startswith("slot_code_not") for key in ir.async_get(hass).issues
    )


@pytest.mark.usefixtures("account")
async def test_a_lock_unreachable_before_check_in_is_told_before(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await _issue(hass, "lock.front_door")
    hass.states.async_set("lock.front_door", "unavailable")
    await at(hass, freezer, "2026-12-01T14:50:00+01:00")  # the coordinator's refresh
    await at(hass, freezer, "2026-12-01T15:00:00+01:00")
    [shown] = await _status(hass, "lock.front_door")
    assert shown["status"] == "failed"
    assert any(
        key[1].startswith("slot_code_not_written") for key in ir.async_get(hass).issues
    )


@pytest.mark.usefixtures("account")
async def test_a_clear_that_fails_is_retried_and_told(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await _issue(hass, "lock.front_door")
    await at(hass, freezer, MID_STAY)
    keypads.unreachable.add("lock.front_door")
    await at(hass, freezer, CHECK_OUT)
    assert keypads.held("lock.front_door")
    assert any(
        key[1].startswith("slot_code_not_cleared") for key in ir.async_get(hass).issues
    )
    keypads.unreachable.clear()
    await at(hass, freezer, "2026-12-05T11:06:00+01:00")
    assert keypads.held("lock.front_door") == {}
    assert not any(
        key[1].startswith("slot_code_not") for key in ir.async_get(hass).issues
    )


@pytest.mark.usefixtures("account")
async def test_a_write_the_lock_did_not_keep_is_sent_again(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await _issue(hass, "lock.front_door")
    keypads.ignoring.add("lock.front_door")
    await at(hass, freezer, CHECK_IN)
    # Z-Wave reads back: sent twice, then told.
    assert len(keypads.writes("set_lock_usercode")) == 2
    [shown] = await _status(hass, "lock.front_door")
    assert shown["status"] == "failed"


@pytest.mark.usefixtures("account")
async def test_a_changed_stay_keeps_the_digits_and_moves_the_schedule(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    code = await _issue(hass, "lock.front_door")
    await at(hass, freezer, MID_STAY)
    moved = await _issue(
        hass, "lock.front_door", start=STAY["start"], end="2026-12-06T11:00:00+01:00"
    )
    assert moved["code"] == code["code"]
    assert moved["slot"] == 10
    await at(hass, freezer, CHECK_OUT)
    assert keypads.held("lock.front_door") == {10: code["code"]}
    await at(hass, freezer, "2026-12-06T11:00:00+01:00")
    assert keypads.held("lock.front_door") == {}


async def test_only_an_admin_issues_on_a_lock_in_home_assistant(
    hass: HomeAssistant, account: MockConfigEntry, hass_read_only_user: MockUser
) -> None:
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "issue_code",
            {"entity_id": "lock.front_door", **STAY, "uid": "x"},
            blocking=True,
            return_response=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert not hass.data[LEDGER].records()


@pytest.mark.usefixtures("account")
async def test_a_lock_no_account_manages_is_refused(
    hass: HomeAssistant, keypads: FakeKeypads
) -> None:
    add_ha_lock(hass, "zwave_js", "shed")
    with pytest.raises(ServiceValidationError) as refused:
        await _issue(hass, "lock.shed")
    assert refused.value.translation_key == "not_a_lockbooking_lock"
    assert keypads.calls == []


@pytest.mark.usefixtures("account")
async def test_a_device_target_finds_its_lock(
    hass: HomeAssistant, keypads: FakeKeypads
) -> None:
    from homeassistant.helpers import entity_registry as er

    device_id = er.async_get(hass).async_get("lock.back_door").device_id
    response = await _call(
        hass,
        "issue_code",
        {"device_id": device_id, **STAY, "uid": "stay-1", "name": "Anna"},
    )
    [code] = response["codes"]
    assert code["entity_id"] == "lock.back_door"
    assert code["device_id"] == device_id


@pytest.mark.usefixtures("account")
async def test_a_host_code_taken_on_the_lock_is_refused(hass: HomeAssistant) -> None:
    await _call(
        hass,
        "issue_code",
        {"entity_id": "lock.front_door", **STAY, "uid": "a", "code": "482913"},
    )
    with pytest.raises(ServiceValidationError) as refused:
        await _call(
            hass,
            "issue_code",
            {"entity_id": "lock.front_door", **STAY, "uid": "b", "code": "482913"},
        )
    assert refused.value.translation_key == "code_in_use"


@pytest.mark.usefixtures("account")
async def test_a_failed_write_at_issue_reports_the_failure(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await at(hass, freezer, MID_STAY)
    keypads.unreachable.add("lock.front_door")
    with pytest.raises(HomeAssistantError):
        await _issue(hass, "lock.front_door")
    keypads.unreachable.clear()
    await at(hass, freezer, "2026-12-03T12:06:00+01:00")
    [record] = hass.data[LEDGER].records()
    assert keypads.held("lock.front_door") == {10: record.code}


async def test_a_schlage_lock_keeps_the_window_itself(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(BEFORE)
    entry = ha_account_entry([add_ha_lock(hass, "schlage", "porch")])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    code = await _issue(hass, "lock.porch")
    assert code["status"] == "issued"
    assert "slot" not in code
    [added] = keypads.writes("add_code")
    assert added["code"] == code["code"]
    assert added["start_datetime"].isoformat() == STAY["start"]
    assert added["end_datetime"].isoformat() == STAY["end"]
    await _call(hass, "revoke_code", {"entity_id": "lock.porch", "uid": "stay-1"})
    assert keypads.names["lock.porch"] == {}


@pytest.mark.usefixtures("account")
async def test_a_code_still_on_a_lock_is_never_forgotten(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await _issue(hass, "lock.front_door")
    await at(hass, freezer, MID_STAY)
    keypads.unreachable.add("lock.front_door")
    ledger = hass.data[LEDGER]
    await at(hass, freezer, "2027-02-01T12:00:00+01:00")  # long past the window
    assert await ledger.async_prune() == 0
    [record] = ledger.records()
    assert record.on_lock_slot == 10
    keypads.unreachable.clear()
    await at(hass, freezer, "2027-02-01T12:06:00+01:00")
    assert keypads.held("lock.front_door") == {}
    assert await ledger.async_prune() == 1


@pytest.mark.usefixtures("account")
async def test_a_revoke_the_lock_missed_can_be_asked_again(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await _issue(hass, "lock.front_door")
    await at(hass, freezer, MID_STAY)
    keypads.unreachable.add("lock.front_door")
    revoke = {"entity_id": "lock.front_door", "uid": "stay-1"}
    with pytest.raises(HomeAssistantError):
        await _call(hass, "revoke_code", revoke)
    assert keypads.held("lock.front_door")
    keypads.unreachable.clear()
    [revoked] = (await _call(hass, "revoke_code", revoke))["codes"]
    assert revoked["status"] == "revoked"
    assert keypads.held("lock.front_door") == {}


@pytest.mark.usefixtures("account")
async def test_a_stay_that_grows_into_the_next_ones_slot_moves_first_then_clears(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    code = await _issue(hass, "lock.front_door")
    nxt = await _issue(
        hass,
        "lock.front_door",
        "stay-2",
        start="2026-12-05T16:00:00+01:00",
        end="2026-12-07T11:00:00+01:00",
    )
    assert nxt["slot"] == 10
    await at(hass, freezer, MID_STAY)
    assert keypads.held("lock.front_door") == {10: code["code"]}
    # The first guest stays two more nights: slot 10 is the next guest's by then.
    grown = await _issue(
        hass, "lock.front_door", start=STAY["start"], end="2026-12-07T11:00:00+01:00"
    )
    assert grown["slot"] == 11
    assert grown["code"] == code["code"]
    assert keypads.held("lock.front_door") == {11: code["code"]}
    writes = [
        c for c in keypads.calls if c[1] in ("set_lock_usercode", "clear_lock_usercode")
    ]
    assert [(c[1], c[2]["code_slot"]) for c in writes] == [
        ("set_lock_usercode", 10),
        ("set_lock_usercode", 11),
        ("clear_lock_usercode", 10),
    ]
    await at(hass, freezer, "2026-12-05T16:00:00+01:00")
    assert keypads.held("lock.front_door") == {10: nxt["code"], 11: code["code"]}


@pytest.mark.usefixtures("account")
async def test_a_clear_the_lock_did_not_keep_is_sent_again_and_told(
    hass: HomeAssistant, keypads: FakeKeypads, freezer: FrozenDateTimeFactory
) -> None:
    await _issue(hass, "lock.front_door")
    await at(hass, freezer, MID_STAY)
    keypads.ignoring.add("lock.front_door")
    await at(hass, freezer, CHECK_OUT)
    assert len(keypads.writes("clear_lock_usercode")) == 2
    assert keypads.held("lock.front_door")
    assert any(
        key[1].startswith("slot_code_not_cleared") for key in ir.async_get(hass).issues
    )


async def test_a_restart_reads_the_schedule_back_from_storage(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    keypads: FakeKeypads,
    freezer: FrozenDateTimeFactory,
) -> None:
    # Home Assistant stopped mid-stay with a guest's code in slot 12, and one to come.
    freezer.move_to("2026-12-05T13:00:00+01:00")  # started again after check-out
    front = add_ha_lock(hass, "zwave_js", "front_door")
    keypads.slots["lock.front_door"] = {12: "482913"}
    key = f"home_assistant:{front.id}"
    stored = {
        "lock_key": key,
        "lock_name": "Front Door",
        "name": "Anna",
        "status": "issued",
        "kind": "keypad",
        "revocable": True,
        "notes": [],
        "updated_at": "2026-12-01T15:00:00+00:00",
    }
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 2,
        "key": STORAGE_KEY,
        "data": {
            "codes": [
                {
                    **stored,
                    "uid": "gone",
                    "requested_start": STAY["start"],
                    "requested_end": STAY["end"],
                    "starts": STAY["start"],
                    "ends": STAY["end"],
                    "code": "482913",
                    "slot": 12,
                    "on_lock_slot": 12,
                    "on_lock_code": "482913",
                },
                {
                    **stored,
                    "uid": "coming",
                    "requested_start": "2026-12-05T12:00:00+01:00",
                    "requested_end": "2026-12-07T11:00:00+01:00",
                    "starts": "2026-12-05T12:00:00+01:00",
                    "ends": "2026-12-07T11:00:00+01:00",
                    "code": "735190",
                    "slot": 10,
                },
            ]
        },
    }
    entry = ha_account_entry([front])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert keypads.held("lock.front_door") == {10: "735190"}
    saved = hass_storage[STORAGE_KEY]["data"]["codes"]
    assert {(r["uid"], r["on_lock_slot"]) for r in saved} == {
        ("gone", None),
        ("coming", 10),
    }
