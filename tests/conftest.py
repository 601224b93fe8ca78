"""Fixtures for lockbooking's tests."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import AbstractContextManager, nullcontext
import logging
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

# pytest-homeassistant-custom-component ships a `custom_components` package of its own:
# import ours first, so Home Assistant's loader finds lockbooking.
import custom_components.lockbooking  # noqa: F401
from custom_components.lockbooking.const import DOMAIN
from homeassistant.core import HomeAssistant

from .snapshot import OneFormatSnapshotExtension

pytest_plugins = "pytest_homeassistant_custom_component"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""


DEPRECATION_MARKERS = ("deprecated", "will stop working", "detected that custom integration")


@pytest.fixture(autouse=True)
def no_deprecation_reports(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail a test in which Home Assistant reports a deprecated use (it logs, not warns)."""
    yield
    reports = [
        record.getMessage()
        for phase in ("setup", "call")
        for record in caplog.get_records(phase)
        if record.levelno >= logging.WARNING
        and any(marker in record.getMessage().lower() for marker in DEPRECATION_MARKERS)
    ]
    assert not reports, reports


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format, the same on every tested release."""
    return snapshot.use_extension(OneFormatSnapshotExtension)


@pytest.fixture
def demo_entry() -> MockConfigEntry:
    """A demo account's config entry."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Demo",
        data={"kind": "demo", "name": "Demo"},
        unique_id="demo_demo",
        entry_id="01JDEMO0000000000000000000",
    )


@pytest.fixture
def platforms() -> list[str] | None:
    """Which platforms to set up; None for all."""
    return None


@pytest.fixture
async def init_demo(
    hass: HomeAssistant, demo_entry: MockConfigEntry, platforms: list[str] | None
) -> MockConfigEntry:
    """The demo account, set up."""
    demo_entry.add_to_hass(hass)
    with _only_platforms(platforms):
        assert await hass.config_entries.async_setup(demo_entry.entry_id)
        await hass.async_block_till_done()
    return demo_entry


def _only_platforms(platforms: list[str] | None) -> AbstractContextManager[object]:
    if platforms is None:
        return nullcontext()
    return patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", platforms)
