"""Assist: the default conversation agent reaches the vendor layer."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.components.lock import LockState
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component


@pytest.fixture
async def assist(hass: HomeAssistant, init_demo: MockConfigEntry) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})
    async_expose_entity(hass, conversation.DOMAIN, "lock.front_door", True)
    await hass.async_block_till_done()


async def _say(hass: HomeAssistant, text: str) -> intent.IntentResponse:
    result = await conversation.async_converse(
        hass, text, None, Context(), language="en"
    )
    return result.response


async def test_unlock_and_lock_by_voice(hass: HomeAssistant, assist: None) -> None:
    vendor = hass.config_entries.async_entries("lockbooking")[0].runtime_data.vendor
    response = await _say(hass, "unlock the front door")
    assert response.response_type is intent.IntentResponseType.ACTION_DONE, (
        response.speech
    )
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door").state == LockState.UNLOCKED
    assert vendor._state["front_door"] == LockState.UNLOCKED

    response = await _say(hass, "lock the front door")
    assert response.response_type is intent.IntentResponseType.ACTION_DONE, (
        response.speech
    )
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door").state == LockState.LOCKED
    assert vendor._state["front_door"] == LockState.LOCKED


async def test_unexposed_lock_is_not_reached(hass: HomeAssistant, assist: None) -> None:
    response = await _say(hass, "unlock the garden gate")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert hass.states.get("lock.garden_gate").state == LockState.LOCKED
