"""An entry's codes on locks it no longer has: revoked, or said in a repair."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.reservations.entry_codes import (
    ISSUE_CODES_LEFT_LIVE,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .conftest import FIRST_UID

FRONT = "demo_demo:front_door"
CABIN = "demo_demo:cabin"


def _vendor_codes(hass: HomeAssistant) -> dict[str, object]:
    return hass.config_entries.async_entries("lockbooking")[
        0
    ].runtime_data.vendor._codes


async def test_a_lock_taken_off_the_entry_loses_the_entrys_codes(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    scope = init_reservations.entry_id
    ledger = hass.data[LEDGER]
    front = ledger.get(FIRST_UID, FRONT, scope)
    cabin = ledger.get(FIRST_UID, CABIN, scope)
    assert front.vendor_id in _vendor_codes(hass)

    hass.config_entries.async_update_entry(
        init_reservations, data={**init_reservations.data, "locks": [CABIN]}
    )
    assert await hass.config_entries.async_reload(scope)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert ledger.get(FIRST_UID, FRONT, scope).status is CodeStatus.REVOKED
    assert front.vendor_id not in _vendor_codes(hass)
    assert ledger.get(FIRST_UID, CABIN, scope) == cabin
    assert (
        issue_registry.async_get_issue(
            "lockbooking", f"{ISSUE_CODES_LEFT_LIVE}_{scope}"
        )
        is None
    )


async def test_a_deleted_entry_takes_its_codes_with_it(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    scope = init_reservations.entry_id
    ledger = hass.data[LEDGER]
    front = ledger.get(FIRST_UID, FRONT, scope)

    assert await hass.config_entries.async_remove(scope)
    await hass.async_block_till_done()

    assert ledger.get(FIRST_UID, FRONT, scope).status is CodeStatus.REVOKED
    assert front.vendor_id not in _vendor_codes(hass)
    # The cabin's algoPIN cannot be taken back: the host is told, with its end.
    issue = issue_registry.async_get_issue(
        "lockbooking", f"{ISSUE_CODES_LEFT_LIVE}_{scope}"
    )
    assert issue is not None
    assert issue.translation_placeholders["locks"] == "Cabin"
    assert issue.translation_placeholders["ends"] == "2026-09-02T11:00:00+02:00"
    assert ledger.get(FIRST_UID, CABIN, scope).status is CodeStatus.ISSUED


async def test_codes_on_a_lock_whose_account_is_away_are_revoked_when_it_is_back(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    init_demo: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    scope = init_reservations.entry_id
    ledger = hass.data[LEDGER]
    issue_id = f"{ISSUE_CODES_LEFT_LIVE}_{scope}"
    assert await hass.config_entries.async_unload(init_demo.entry_id)
    hass.config_entries.async_update_entry(
        init_reservations, data={**init_reservations.data, "locks": [CABIN]}
    )
    assert await hass.config_entries.async_reload(scope)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ledger.get(FIRST_UID, FRONT, scope).status is CodeStatus.ISSUED

    assert await hass.config_entries.async_setup(init_demo.entry_id)
    freezer.tick(timedelta(minutes=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ledger.get(FIRST_UID, FRONT, scope).status is CodeStatus.REVOKED
    assert issue_registry.async_get_issue("lockbooking", issue_id) is None


async def test_a_lock_taken_off_is_cleared_while_the_entrys_other_locks_are_away(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The lock left is loaded, the one kept is not (its account is away)."""
    scope = init_reservations.entry_id
    ledger = hass.data[LEDGER]
    front = ledger.get(FIRST_UID, FRONT, scope)
    hass.config_entries.async_update_entry(
        init_reservations, data={**init_reservations.data, "locks": ["gone:door_00"]}
    )
    assert await hass.config_entries.async_reload(scope)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert ledger.get(FIRST_UID, FRONT, scope).status is CodeStatus.REVOKED
    assert front.vendor_id not in _vendor_codes(hass)
