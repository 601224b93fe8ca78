"""LockBooking on a bare Home Assistant Core install: no Bluetooth stack, no async_timeout.

`test_every_other_kind_works_on_a_bare_install` runs the config flow, set-up, service and
cloud vendor tests again in a Python of their own with `tests/bare_install.py` hiding
those modules; the other tests here run only there and check what a Nuki-over-Bluetooth
host would meet on such an install.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import subprocess
import sys

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .bare_install import BARE_INSTALL

ROOT = Path(__file__).parent.parent
# What a host with only cloud accounts, reservations and the demo uses.
SUITES = (
    "tests/test_bare_install.py",
    "tests/test_config_flow.py",
    "tests/test_init.py",
    "tests/test_services.py",
    "tests/reservations/test_scheduler.py",
    "tests/vendors/igloohome",
    "tests/vendors/nuki",
    "tests/vendors/unifi_access",
)


@pytest.fixture
def bare_install(request: pytest.FixtureRequest) -> None:
    """Run only where tests/bare_install.py hides the modules."""
    if not request.config.stash.get(BARE_INSTALL, False):
        pytest.skip("runs under tests/bare_install.py (see the first test)")


def test_every_other_kind_works_on_a_bare_install(
    request: pytest.FixtureRequest,
) -> None:
    """The suites above pass with the Bluetooth stack and async_timeout hidden."""
    if request.config.stash.get(BARE_INSTALL, False):
        pytest.skip("this is the run it starts")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.bare_install",
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-cov",
            "-p",
            "no:randomly",
            *SUITES,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    # Every test ran and passed there, but for this one.
    assert re.fullmatch(r"\d+ passed, 1 skipped(, \d+ warnings?)? in .*", summary), (
        summary
    )


def test_the_modules_are_hidden(bare_install: None) -> None:
    """The plugin really hides them (else the run above proves nothing)."""
    for module in (
        "async_timeout",
        "bleak",
        "habluetooth",
        "homeassistant.components.bluetooth",
    ):
        with pytest.raises(ModuleNotFoundError):
            __import__(module)


async def test_the_bluetooth_kind_says_it_cannot_load(
    hass: HomeAssistant, bare_install: None
) -> None:
    """Choosing Nuki over Bluetooth ends in a clear abort, not a broken form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": "user"}
    )
    assert result["type"] is FlowResultType.MENU
    assert "nuki_ble" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "nuki_ble"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_a_bluetooth_entry_waits_and_the_others_load(
    hass: HomeAssistant, bare_install: None, init_demo: MockConfigEntry
) -> None:
    """A Nuki-over-Bluetooth entry is retried later; the demo account beside it works."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Front door",
        data={"kind": "nuki_ble", "address": "AA:BB:CC:DD:EE:FF"},
        unique_id="AA:BB:CC:DD:EE:FF",
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert init_demo.state is ConfigEntryState.LOADED
    assert hass.states.get("lock.front_door") is not None
