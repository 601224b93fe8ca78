"""A pytest plugin that makes this Python look like a bare Home Assistant Core install.

A Home Assistant Core venv has neither Home Assistant's Bluetooth stack (bleak,
habluetooth, bluetooth-adapters ...: installed only when the bluetooth integration
loads) nor `async_timeout` (which Home Assistant 2026.10 no longer brings, and pyNukiBT
imports without declaring). Loaded with `-p tests.bare_install` by
`tests/test_bare_install.py`, in a Python of its own: once pytest has loaded the test
harness, and before any conftest imports the integration, this forgets those modules and
refuses to import them again.
"""

from __future__ import annotations

from collections.abc import Sequence
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

import pytest

HIDDEN = (
    "async_timeout",
    "bleak",
    "bleak_retry_connector",
    "bluetooth_adapters",
    "bluetooth_auto_recovery",
    "bluetooth_data_tools",
    "btsocket",
    "dbus_fast",
    "habluetooth",
    "homeassistant.components.bluetooth",
    "homeassistant.components.bluetooth_adapters",
)


def hidden(name: str) -> bool:
    """Whether a module is one a bare install lacks."""
    return any(name == module or name.startswith(f"{module}.") for module in HIDDEN)


class BareInstall(importlib.abc.MetaPathFinder):
    """Refuses the hidden modules, as Python does a module that is not installed."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """Refuse a hidden module; leave every other one to the next finder."""
        if hidden(fullname):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


class HarnessWithoutBluetooth:
    """The harness's fixtures that patch the Bluetooth stack, with nothing to patch."""

    @pytest.fixture(autouse=True, scope="session")
    def mock_bluetooth_adapters(self) -> None:
        """No adapters to fake: there is no Bluetooth stack."""


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Forget what the test harness imported of the hidden modules, and refuse them.

    After the harness is imported (it imports some of them itself) and before the
    conftest files, which import the integration.
    """
    for name in [name for name in sys.modules if hidden(name)]:
        del sys.modules[name]
    sys.meta_path.insert(0, BareInstall())
    early_config.stash[BARE_INSTALL] = True


def pytest_configure(config: pytest.Config) -> None:
    """Put the harness's Bluetooth fixtures out of work (registered after the harness)."""
    config.pluginmanager.register(HarnessWithoutBluetooth(), "bare_install_harness")


BARE_INSTALL = pytest.StashKey[bool]()
