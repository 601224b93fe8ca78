"""Fixtures for lockbooking's tests."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import AbstractContextManager, nullcontext
import logging
import re
import sys
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


# Log lines that carry data by design, not by accident: Home Assistant's event bus
# tracing prints every event's data (the lockbooking_code_* events carry the code by
# contract), the test harness's storage mock prints what it "writes", and the ical
# parser prints the feed's own lines (whose phone numbers may hold a code's digits).
SECRET_FREE_EXEMPT = (
    ("homeassistant.core", "Bus:Handling"),
    ("pytest_homeassistant_custom_component.common", "Writing data to"),
    ("pytest_homeassistant_custom_component.common", "Loading data for"),
    ("ical", ""),
)
# Test constants that hold secrets (but not, say, TOKEN_URL, the sign-in address).
SECRET_NAMES = re.compile(r"^(?!.*_URL$).*(TOKEN|SECRET)|^FEED_URL$")


@pytest.fixture(autouse=True)
def no_secrets_in_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Generator[None]:
    """Capture every test's logs at DEBUG and fail if a token, secret or code is in them.

    Secrets are the test modules' TOKEN / SECRET constants and every code the ledger
    recorded during the test.
    """
    from custom_components.lockbooking.ledger import CodeLedger, CodeRecord

    codes: set[str] = set()
    put = CodeLedger.async_put

    async def recording_put(self: CodeLedger, record: CodeRecord) -> CodeRecord:
        if record.code:
            codes.add(record.code)
        return await put(self, record)

    monkeypatch.setattr(CodeLedger, "async_put", recording_put)
    caplog.set_level(logging.DEBUG)
    yield
    records = [
        record
        for phase in ("setup", "call", "teardown")
        for record in caplog.get_records(phase)
    ]
    leaks = leaked_secrets(records, _test_constants() | codes)
    assert not leaks, leaks


def leaked_secrets(records: list[logging.LogRecord], secrets: set[str]) -> list[str]:
    """The log lines that carry one of the secrets (digits inside longer numbers don't count)."""
    patterns = [re.compile(rf"(?<![\d.:]){re.escape(secret)}(?!\d)") for secret in secrets]
    return [
        f"{record.name}: {message}"
        for record in records
        if not _exempt(record)
        and any(pattern.search(message := record.getMessage()) for pattern in patterns)
    ]


def _exempt(record: logging.LogRecord) -> bool:
    return isinstance(record.msg, str) and any(
        (record.name == name or record.name.startswith(f"{name}."))
        and record.msg.startswith(prefix)
        for name, prefix in SECRET_FREE_EXEMPT
    )


def _test_constants() -> set[str]:
    return {
        value
        for name, module in list(sys.modules.items())
        if name.startswith("tests.")
        for constant, value in vars(module).items()
        if SECRET_NAMES.search(constant) and isinstance(value, str) and len(value) >= 6
    }


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
