"""The shipped blueprint, used by a real automation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

BLUEPRINT = Path(__file__).parents[2] / "blueprints" / "automation" / "lockbooking" / "send_door_code.yaml"


async def test_blueprint_sends_the_code(
    hass: HomeAssistant, init_reservations: MockConfigEntry, freezer: FrozenDateTimeFactory, tmp_path: Path
) -> None:
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "lockbooking"
    target.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target)
    sent = async_mock_service(hass, "notify", "send_message")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "Door code",
                "use_blueprint": {
                    "path": "lockbooking/send_door_code.yaml",
                    "input": {
                        "reservations": "calendar.seaside_flat",
                        "locks": {"entity_id": "lock.front_door"},
                        "offset": "-2:00:00",
                        "notify": "notify.guest_sms",
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    for _ in range(8):
        freezer.tick(timedelta(minutes=15))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert not sent
    freezer.tick(timedelta(hours=24))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    for _ in range(4):
        freezer.tick(timedelta(minutes=15))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    [call] = sent
    codes = await hass.services.async_call(
        "lockbooking", "get_codes", {"entity_id": "lock.front_door"}, blocking=True, return_response=True
    )
    code = codes["codes"][0]["code"]
    assert call.data["entity_id"] == ["notify.guest_sms"] or call.data["entity_id"] == "notify.guest_sms"
    assert f"Front door: {code} (from 24 Aug 16:00" in call.data["message"]
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "automation.door_code"}, blocking=True
    )
