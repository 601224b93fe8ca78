"""The shipped blueprint, used by a real automation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from .helpers import demo_device_id

pytestmark = pytest.mark.usefixtures("day_before_first_stay")

BLUEPRINT = (
    Path(__file__).parents[1]
    / "blueprints"
    / "automation"
    / "lockbooking"
    / "send_door_code.yaml"
)


async def test_blueprint_sends_the_code(
    hass: HomeAssistant,
    init_reservations: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "lockbooking"
    target.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target)
    sent = async_mock_service(hass, "notify", "send_message")
    devices = [demo_device_id(hass, "front_door"), demo_device_id(hass, "cabin")]
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
                        "locks": {"device_id": devices},
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
        "lockbooking", "get_codes", {"device_id": devices},
        blocking=True, return_response=True,
    )  # fmt: skip
    code = {c["lock"]: c["code"] for c in codes["codes"]}
    assert (
        call.data["entity_id"] == ["notify.guest_sms"]
        or call.data["entity_id"] == "notify.guest_sms"
    )
    # Each lock's code reaches the guest, though no event or state carries one.
    assert (
        f"Front door: {code['Front door']} (from 24 Aug 16:00" in call.data["message"]
    )
    assert f"Cabin: {code['Cabin']} (from 24 Aug 16:00" in call.data["message"]
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "automation.door_code"}, blocking=True
    )
